"""Every block kind described without torch: settings, ops, rules, cost and drawing.

Importing this package registers the built-in kinds. The modules live in ``skbuilder.nn`` and
are reached only when a model is built.
"""

from skbuilder.blocks import basic, bottleneck, shufflenet
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.kind import BlockKind, ModuleKind
from skbuilder.blocks.params import BlockParams, Violation, require_divisible
from skbuilder.blocks.registry import (
    block_kinds,
    describe,
    get_block,
    register_block,
    unregister_block,
)
from skbuilder.blocks.settings import SKSpec

__all__ = [
    "BlockKind",
    "BlockParams",
    "Cost",
    "ModuleKind",
    "SKSpec",
    "Violation",
    "basic",
    "block_kinds",
    "bottleneck",
    "describe",
    "get_block",
    "register_block",
    "require_divisible",
    "shufflenet",
    "unregister_block",
]
