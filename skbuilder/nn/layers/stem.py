"""The network stem, built from its description (``skbuilder.blocks.ops.stem.Stem``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

from skbuilder.blocks.ops.base import Layers
from skbuilder.nn.layers.conv_bn_act import ConvBnAct

if TYPE_CHECKING:
    from skbuilder.blocks.ops.stem import Stem as StemOp


class Stem(nn.Module):
    """Stem convs (each conv -> BN -> act), then the max-pool the description gives, if any."""

    def __init__(self, op: StemOp, layers: Layers = Layers()) -> None:
        super().__init__()
        self.convs = nn.Sequential(*(ConvBnAct.of(conv, layers) for conv in op.convs()))
        window = op.window
        self.pool: nn.Module = (
            nn.MaxPool2d(window.kernel, window.stride, window.padding, ceil_mode=window.ceil_mode)
            if window is not None
            else nn.Identity()
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.convs(x))
