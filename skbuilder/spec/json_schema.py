"""The JSON Schema of a spec file, for editors (``# yaml-language-server: $schema=...``).

It accepts every spec the validator accepts, and refuses what the validator refuses wherever a
JSON Schema can say so; ``BEYOND_SCHEMA`` names the rest, and ``beyond_schema`` tells a
validator error of that kind from one the schema should have caught (a property test holds both
to that). It is generated from the models in validation mode, so it follows them: short forms
come from their before-validators' ``json_schema_input_type``, settings' own rules from
``json_schema_extra`` beside them. This module adds what belongs to the file rather than to a
model: ``extends:`` with the forms a merge onto the base takes (``skbuilder.spec.merge``), YAML
1.1's boolean words, and that a mapping in a tagged union names its tag.

``python -m skbuilder.spec.json_schema FILE...`` writes it (``make docs``); the package ships
it beside the specs (``skbuilder.spec.shipped.SCHEMA_NAME``), where ``skbuilder schema``
reads it without building any model.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from skbuilder.atomic_write import write_atomic
from skbuilder.spec.compose import EXTENDS
from skbuilder.spec.merge import DELETE, PATCH, REPLACE
from skbuilder.spec.scalars import yaml11_only_booleans
from skbuilder.spec.schema import NetworkSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Refusals of the validator that the JSON Schema cannot express, and why.
BEYOND_SCHEMA: dict[str, str] = {
    "cross-field rules": "groups and branch counts that must divide widths, the spatial size "
    "against the strides, unique stage names, a block kind's own rules: they relate values "
    "across fields by arithmetic or compare list items by one key",
    "block kinds": "`block` names a registered kind, and plugins register kinds at run time, so "
    "the schema takes any string there",
    "integral floats": "`2.0` where an integer is expected: JSON has one number type, and 2.0 "
    "is the integer 2 to a JSON Schema",
    "NaN": "`.nan` is not a JSON number, so no bound of the schema applies to it",
    "YAML 1.1 booleans": "a quoted 'yes' where a boolean is expected: the schema accepts the "
    "words YAML 1.1 reads as booleans (yes, no, on, off) as text too, since an editor reading "
    "YAML 1.2 sees them so",
}


class SpecJsonSchema(GenerateJsonSchema):
    """Pydantic's validation schema, plus what the spec reader and pydantic's own unions
    accept or refuse beyond what the models' core schemas say."""

    def bool_schema(self, schema: core_schema.BoolSchema) -> JsonSchemaValue:
        """The reader takes YAML 1.1's ``yes``/``no``/``on``/``off`` as booleans; an editor
        reading YAML 1.2 sees text there, which must not be underlined either."""
        words = {"type": "string", "enum": list(yaml11_only_booleans())}
        return {"anyOf": [super().bool_schema(schema), words]}

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        """A mapping in a tagged union must name its tag, even where each choice has the tag
        as a default: without it the validator cannot choose."""
        out = super().tagged_union_schema(schema)
        if isinstance(schema["discriminator"], str):
            out["required"] = [schema["discriminator"]]
        return out


#: Names in ``$defs``: a model as a spec that extends another may write it (``StageSpec`` ->
#: ``StageSpecPatch``), and the two directive mappings.
PATCHED = "Patch"
DELETE_MARK, REPLACE_MARK = "DeleteFromBase", "ReplaceBaseList"
_EXTENDS = {
    "type": "string",
    "minLength": 1,
    "pattern": "^[^/\\u0000][^\\u0000]*$",
    "description": "base spec whose keys this file overrides: a relative path, or the name of a "
    "shipped spec (`skbuilder list`)",
}


def spec_json_schema() -> dict[str, Any]:
    """The schema of a spec file: NetworkSpec's; or, with ``extends:``, the same models as a
    merge onto the base may write them (``skbuilder.spec.merge``): nothing required, any
    mapping may say ``$patch``, any key's value may be ``{$patch: delete}``, any list may start
    with ``- $patch: replace``."""
    network = NetworkSpec.model_json_schema(mode="validation", schema_generator=SpecJsonSchema)
    defs = {"NetworkSpec": network, **network.pop("$defs")}
    defs |= {name + PATCHED: _as_patch(copy.deepcopy(model)) for name, model in defs.items()}
    defs[f"NetworkSpec{PATCHED}"]["properties"][EXTENDS] = _EXTENDS
    defs[f"NetworkSpec{PATCHED}"]["required"] = [EXTENDS]
    defs[DELETE_MARK] = _directive(DELETE, "remove this key's value from the base")
    defs[REPLACE_MARK] = _directive(REPLACE, "as a list's first item: the rest replaces the base's")
    return {
        "$schema": DIALECT,
        "title": network["title"],
        "description": network["description"],
        "if": {"required": [EXTENDS]},
        "then": {"$ref": f"#/$defs/NetworkSpec{PATCHED}"},
        "else": {"$ref": "#/$defs/NetworkSpec"},
        "$defs": defs,
    }


def _directive(value: str, meaning: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {PATCH: {"const": value}},
        "required": [PATCH],
        "additionalProperties": False,
        "description": f"`{PATCH}: {value}`: {meaning}",
    }


def _annotations(prop: dict[str, Any]) -> dict[str, Any]:
    """What an editor shows on hover, kept where it looks for it."""
    return {k: prop[k] for k in ("title", "description", "default") if k in prop}


def _as_patch(node: Any) -> Any:
    """A model's schema as a spec that extends another may write it. Only the keywords that
    describe the value itself are rewritten (``not`` and ``if`` keep their meaning); list
    lengths are left to the loader, as a leading ``$patch: replace`` is not an item."""
    if not isinstance(node, dict):
        return node
    for key in ("required", "minItems", "maxItems"):
        node.pop(key, None)
    if "$ref" in node:
        node["$ref"] += PATCHED
    if "oneOf" in node:  # a partial mapping may fit several choices of a tagged union
        node["anyOf"] = node.pop("oneOf")
        mapping = node.get("discriminator", {}).get("mapping", {})
        node.get("discriminator", {})["mapping"] = {k: v + PATCHED for k, v in mapping.items()}
    for key in ("anyOf", "allOf"):
        node[key] = [_as_patch(n) for n in node.get(key, [])] or node.pop(key, None)
        if node[key] is None:
            del node[key]
    for key in ("then", "else"):
        if key in node:
            node[key] = _as_patch(node[key])
    if "items" in node:
        node["items"] = {"anyOf": [_as_patch(node["items"]), {"$ref": f"#/$defs/{REPLACE_MARK}"}]}
    if "properties" in node:
        delete = {"$ref": f"#/$defs/{DELETE_MARK}"}
        node["properties"] = {
            name: {**_annotations(prop), "anyOf": [_as_patch(prop), delete]}
            for name, prop in node["properties"].items()
        }
        node["properties"][PATCH] = {
            "enum": [REPLACE, DELETE],
            "description": "take this mapping as written (replace), or remove it from the base "
            "(delete)",
        }
    return node


def spec_json_schema_text() -> str:
    """The schema as the package ships it (stable key order, final newline)."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"


def beyond_schema(error: dict[str, Any]) -> str | None:
    """The ``BEYOND_SCHEMA`` entry a pydantic error of ``NetworkSpec`` falls under, or None
    when the JSON Schema should refuse the same input."""
    kind, value = error["type"], error.get("input")
    if kind == "spec_rules":
        # the deep stem's even width is the one cross-field rule the schema states
        loci = [tuple(v["loc"]) for v in error["ctx"]["violations"]]
        return None if ("stem", "width") in loci else "cross-field rules"
    if kind == "unknown_block":
        return "block kinds"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if kind == "int_type" and isinstance(value, float) and value.is_integer():
        return "integral floats"
    if kind == "bool_type" and value in yaml11_only_booleans():
        return "YAML 1.1 booleans"
    return None


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m skbuilder.spec.json_schema FILE...", file=sys.stderr)
        return 2
    text = spec_json_schema_text()
    for name in argv:
        write_atomic(Path(name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
