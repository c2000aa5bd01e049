"""skbuilder: Selective Kernel Networks from declarative YAML specs.

YAML text -> ``load_spec``/``parse_spec``/``spec_from_dict`` (positions kept) -> ``NetworkSpec``
(validated) -> ``build_model`` -> ``nn.Module``. ``summarize`` reads the spec alone.

Importing skbuilder does not import torch: the names that need it (``build_model``, ``SKConv``,
``SKNet``, ``Block``, ``load_model``, ``save_model``) load torch when first used.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import TYPE_CHECKING, Any

try:  # pyproject.toml holds the version; the installed metadata carries it here
    __version__ = importlib.metadata.version("skbuilder")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

#: Public name -> the module that defines it (imported on first use).
_EXPORTS = {
    "Block": "skbuilder.nn.blocks",
    "BlockKind": "skbuilder.blocks.kind",
    "BlockParams": "skbuilder.blocks.params",
    "NetworkSpec": "skbuilder.spec.schema",
    "SKConv": "skbuilder.nn.layers.sk_conv",
    "SKNet": "skbuilder.nn.model",
    "SKSpec": "skbuilder.blocks.settings",
    "SpecError": "skbuilder.spec.errors",
    "SpecIssue": "skbuilder.spec.errors",
    "Summary": "skbuilder.analysis.summary",
    "block_kinds": "skbuilder.blocks.registry",
    "build_model": "skbuilder.nn.builder",
    "load_model": "skbuilder.interop.weights.model_folder",
    "load_spec": "skbuilder.spec.loader",
    "parse_spec": "skbuilder.spec.loader",
    "register_block": "skbuilder.blocks.registry",
    "save_model": "skbuilder.interop.weights.model_folder",
    "spec_from_dict": "skbuilder.spec.loader",
    "summarize": "skbuilder.analysis.summary",
}

__all__ = [
    "Block",
    "BlockKind",
    "BlockParams",
    "NetworkSpec",
    "SKConv",
    "SKNet",
    "SKSpec",
    "SpecError",
    "SpecIssue",
    "Summary",
    "block_kinds",
    "build_model",
    "load_model",
    "load_spec",
    "parse_spec",
    "register_block",
    "save_model",
    "spec_from_dict",
    "summarize",
]

if TYPE_CHECKING:
    from skbuilder.analysis.summary import Summary, summarize
    from skbuilder.blocks.kind import BlockKind
    from skbuilder.blocks.params import BlockParams
    from skbuilder.blocks.registry import block_kinds, register_block
    from skbuilder.blocks.settings import SKSpec
    from skbuilder.interop.weights.model_folder import load_model, save_model
    from skbuilder.nn.blocks import Block
    from skbuilder.nn.builder import build_model
    from skbuilder.nn.layers.sk_conv import SKConv
    from skbuilder.nn.model import SKNet
    from skbuilder.spec.errors import SpecError, SpecIssue
    from skbuilder.spec.loader import load_spec, parse_spec, spec_from_dict
    from skbuilder.spec.schema import NetworkSpec


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'skbuilder' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
