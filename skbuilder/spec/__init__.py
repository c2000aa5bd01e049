"""Spec: schema, loading with positions, and the error type."""

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
