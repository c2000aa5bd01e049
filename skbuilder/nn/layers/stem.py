"""The network stem, built from its description (``skbuilder.blocks.ops.stem.Stem``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.ops.stem import POOL
from skbuilder.nn.layers.conv_bn_act import ConvBnAct

if TYPE_CHECKING:
    from skbuilder.blocks.ops.stem import Stem as StemOp


class Stem(nn.Module):
    """Stem convs (each conv -> BN -> act), then an optional 3x3/2 max-pool: /4 in all."""

    def __init__(self, op: StemOp, layers: Layers = Layers()) -> None:
        super().__init__()
        self.convs = nn.Sequential(*(ConvBnAct.of(conv, layers) for conv in op.convs()))
        kernel, stride, padding = POOL
        self.pool = nn.MaxPool2d(kernel, stride, padding) if op.pool else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.convs(x))
