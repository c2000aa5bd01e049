"""skbuilder: Selective Kernel Networks from declarative YAML specs.

YAML text -> ``load_spec``/``parse_spec``/``spec_from_dict`` (positions kept) -> ``NetworkSpec``
(validated) -> ``build_model`` -> ``nn.Module``. ``summarize`` reads the spec alone.
"""

from skbuilder.analysis.summary import Summary, summarize
from skbuilder.blocks import Block, BlockParams, SKSettings, block_kinds, register_block
from skbuilder.nn.builder import build_model
from skbuilder.nn.layers import SKConv
from skbuilder.nn.model import SKNet
from skbuilder.spec import NetworkSpec, SpecError, SpecIssue, load_spec, parse_spec, spec_from_dict

__version__ = "0.1.0"

__all__ = [
    "Block",
    "BlockParams",
    "NetworkSpec",
    "SKConv",
    "SKNet",
    "SKSettings",
    "SpecError",
    "SpecIssue",
    "Summary",
    "block_kinds",
    "build_model",
    "load_spec",
    "parse_spec",
    "register_block",
    "spec_from_dict",
    "summarize",
]
