"""Ops: layers described without torch (cost, drawing, and the module when one is built)."""

from skbuilder.blocks.ops.base import Canvas, Layers, Line, Op, Shape, chw
from skbuilder.blocks.ops.chain import Chain
from skbuilder.blocks.ops.conv import Conv
from skbuilder.blocks.ops.head import Head
from skbuilder.blocks.ops.residual import Residual, projection
from skbuilder.blocks.ops.sk import SK
from skbuilder.blocks.ops.stem import Stem

__all__ = [
    "SK",
    "Canvas",
    "Chain",
    "Conv",
    "Head",
    "Layers",
    "Line",
    "Op",
    "Residual",
    "Shape",
    "Stem",
    "chw",
    "projection",
]
