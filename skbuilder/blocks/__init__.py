"""Block kinds a spec can name. Importing this package registers the built-in ones."""

from skbuilder.blocks.base import Block, ResidualBlock
from skbuilder.blocks.basic import BasicBlock, SKBasicBlock
from skbuilder.blocks.bottleneck import Bottleneck, SKBottleneck
from skbuilder.blocks.params import BlockParams, SKSettings, Violation
from skbuilder.blocks.registry import block_kinds, get_block, register_block, unregister_block

__all__ = [
    "BasicBlock",
    "Block",
    "BlockParams",
    "Bottleneck",
    "ResidualBlock",
    "SKBasicBlock",
    "SKBottleneck",
    "SKSettings",
    "Violation",
    "block_kinds",
    "get_block",
    "register_block",
    "unregister_block",
]
