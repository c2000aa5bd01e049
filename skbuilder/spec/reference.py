"""The field reference of ``docs/spec-rules.md``, generated from the JSON Schema.

``python -m skbuilder.spec.reference docs/spec-rules.md`` rewrites the part between the
markers; a test checks the committed page equals what this produces.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from skbuilder.atomic_write import write_atomic
from skbuilder.spec.compose import EXTENDS
from skbuilder.spec.json_schema import BEYOND_SCHEMA, PATCHED, spec_json_schema
from skbuilder.spec.merge import PATCH
from skbuilder.spec.scalars import yaml11_only_booleans

BEGIN = "<!-- BEGIN GENERATED: python -m skbuilder.spec.reference docs/spec-rules.md -->"
END = "<!-- END GENERATED -->"

_CONSTRAINTS = (
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length >= {}"),
    ("maxLength", "length <= {}"),
    ("minItems", "items >= {}"),
    ("maxItems", "items <= {}"),
    ("pattern", "matches `{}`"),
)


def _ref_name(prop: dict[str, Any]) -> str | None:
    ref = prop.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a value may take, YAML 1.1's boolean words left out (a boolean's
    spelling, which the page on reading YAML tells)."""
    words = list(yaml11_only_booleans())
    return [v for v in prop.get("anyOf") or prop.get("oneOf") or [prop] if v.get("enum") != words]


def _type(prop: dict[str, Any]) -> str:
    parts = []
    for v in _variants(prop):
        if name := _ref_name(v):
            parts.append(f"[{name}](#{name.lower()})")
        elif "oneOf" in v or "anyOf" in v:
            parts.append(_type(v))
        elif "enum" in v:
            parts.append("one of " + ", ".join(f"`{json.dumps(e)}`" for e in v["enum"]))
        elif v.get("type") == "array":
            parts.append(f"list of {_type(v.get('items', {}))}")
        elif v.get("type") == "null":
            parts.append("null")
        else:
            parts.append(str(v.get("type", "any")))
    return " or ".join(parts)


def _rule(prop: dict[str, Any]) -> str:
    rules = [text.format(v[key]) for v in _variants(prop) for key, text in _CONSTRAINTS if key in v]
    rules += ["odd" for v in _variants(prop) if v.get("not") == {"multipleOf": 2}]
    items = [v["items"] for v in _variants(prop) if "items" in v]
    rules += [f"each {_rule(i)}" for i in items if _rule(i)]
    return ", ".join(rules)


def _default(name: str, prop: dict[str, Any], required: list[str]) -> str:
    if name in required:
        return "**required**"
    if "default" not in prop:
        return ""
    if isinstance(prop["default"], dict):
        return "(defaults)"
    return f"`{json.dumps(prop['default'])}`"


def _model_section(title: str, model: dict[str, Any], required: list[str]) -> list[str]:
    lines = [f"### {title}", "", " ".join(model.get("description", "").split()), ""]
    lines += ["| key | type | default | rule | meaning |", "|---|---|---|---|---|"]
    for name, prop in model["properties"].items():
        cells = (
            f"`{name}`",
            _type(prop),
            _default(name, prop, required),
            _rule(prop),
            prop.get("description", ""),
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return [*lines, ""]


def field_reference() -> str:
    """Markdown: one table per model, every key with its type, default and rule."""
    defs = spec_json_schema()["$defs"]
    network = copy.deepcopy(defs["NetworkSpec"])
    network["properties"][EXTENDS] = defs[f"NetworkSpec{PATCHED}"]["properties"][EXTENDS]
    lines = _model_section("NetworkSpec", network, network["required"])
    for name, model in defs.items():
        if name != "NetworkSpec" and "properties" in model and PATCH not in model["properties"]:
            lines += _model_section(name, model, model.get("required", []))
    lines += ["### Beyond the JSON Schema", ""]
    lines += ["What the validator refuses and the JSON Schema cannot:", ""]
    lines += [f"- {what}: {why}." for what, why in BEYOND_SCHEMA.items()]
    return "\n".join(lines).rstrip() + "\n"


def render(page: str) -> str:
    """``page`` with the generated part replaced by the current field reference."""
    head, begin, rest = page.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the page has no {BEGIN} ... {END} section")
    return f"{head}{BEGIN}\n\n{field_reference()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m skbuilder.spec.reference PAGE.md", file=sys.stderr)
        return 2
    page = Path(argv[0])
    text = render(page.read_text(encoding="utf-8"))
    write_atomic(page, text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
