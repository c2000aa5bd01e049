"""The JSON Schema of a spec file, for editors (``# yaml-language-server: $schema=...``).

It is NetworkSpec's schema plus what the loader adds before validation: an optional
``extends:`` key, with which the required keys (of the spec and of each stage) may come from the
base spec, and the ``$patch`` directive of a merge (``skbuilder.spec.merge``), which the loader
accepts only in a spec that extends another. Rules that relate fields (group divisibility,
spatial size) are checked by the loader only.
"""

from __future__ import annotations

import json
from typing import Any

from skbuilder.spec.compose import EXTENDS
from skbuilder.spec.merge import DELETE, PATCH, REPLACE
from skbuilder.spec.schema import NetworkSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def spec_json_schema() -> dict[str, Any]:
    schema = NetworkSpec.model_json_schema()
    schema["properties"][EXTENDS] = {
        "type": "string",
        "description": "base spec whose keys this file overrides: a relative path, or the name "
        "of a shipped spec (`skbuilder list`)",
    }
    required = schema.pop("required", [])
    stage_required = schema["$defs"]["StageSpec"].pop("required", [])
    for model in schema["$defs"].values():
        if model.get("additionalProperties") is False:
            model["properties"][PATCH] = {
                "enum": [REPLACE, DELETE],
                "description": "in a spec that extends another: take this mapping as written "
                "(replace) or remove it from the base (delete)",
            }
    schema["if"] = {"not": {"required": [EXTENDS]}}
    schema["then"] = {
        "required": required,
        "properties": {"stages": {"items": {"required": stage_required}}},
    }
    return {"$schema": DIALECT, **schema}


def spec_json_schema_text() -> str:
    """The schema as written to ``docs/spec.schema.json`` (stable key order, final newline)."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
