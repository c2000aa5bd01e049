"""Spec: schema, loading with positions, and the error type.

The names load their modules on first use, so that light parts (``skbuilder.spec.errors``,
``skbuilder.spec.limits``) can be imported without building the schema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BlockPlan": "skbuilder.spec.schema",
    "Document": "skbuilder.spec.loader",
    "HeadSpec": "skbuilder.spec.schema",
    "InputSpec": "skbuilder.spec.schema",
    "Limits": "skbuilder.spec.limits",
    "NetworkSpec": "skbuilder.spec.schema",
    "SKSpec": "skbuilder.blocks.settings",
    "SpecError": "skbuilder.spec.errors",
    "SpecIssue": "skbuilder.spec.errors",
    "StageSpec": "skbuilder.spec.schema",
    "StemSpec": "skbuilder.spec.schema",
    "dump_spec": "skbuilder.spec.dump",
    "load_spec": "skbuilder.spec.loader",
    "parse_spec": "skbuilder.spec.loader",
    "parse_yaml": "skbuilder.spec.loader",
    "spec_from_dict": "skbuilder.spec.loader",
}

__all__ = [
    "BlockPlan",
    "Document",
    "HeadSpec",
    "InputSpec",
    "Limits",
    "NetworkSpec",
    "SKSpec",
    "SpecError",
    "SpecIssue",
    "StageSpec",
    "StemSpec",
    "dump_spec",
    "load_spec",
    "parse_spec",
    "parse_yaml",
    "spec_from_dict",
]

if TYPE_CHECKING:
    from skbuilder.blocks.settings import SKSpec
    from skbuilder.spec.dump import dump_spec
    from skbuilder.spec.errors import SpecError, SpecIssue
    from skbuilder.spec.limits import Limits
    from skbuilder.spec.loader import Document, load_spec, parse_spec, parse_yaml, spec_from_dict
    from skbuilder.spec.schema import (
        BlockPlan,
        HeadSpec,
        InputSpec,
        NetworkSpec,
        StageSpec,
        StemSpec,
    )


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'skbuilder.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
