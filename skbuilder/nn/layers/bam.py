"""BAM: a bottleneck attention module after a stage (the ``BAM`` op describes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

from skbuilder.blocks.ops.base import Layers
from skbuilder.nn.layers.conv_bn_act import ConvBnAct

if TYPE_CHECKING:
    from skbuilder.blocks.ops.bam import BAM as BAMOp


class BAM(nn.Module):
    """x * (1 + sigmoid(Mc(x) + Ms(x))): Mc per channel, Ms per position, added by broadcast."""

    def __init__(self, op: BAMOp, layers: Layers = Layers()) -> None:
        super().__init__()
        C, h = op.channels, op.hidden
        self.channel = nn.Sequential(
            *(ConvBnAct.of(conv, layers) for conv in op.channel_branch()), nn.Conv2d(h, C, 1)
        )
        self.spatial = nn.Sequential(
            *(ConvBnAct.of(conv, layers) for conv in op.spatial_branch()), nn.Conv2d(h, 1, 1)
        )

    def gate(self, x: Tensor) -> Tensor:
        """The attention map in (0, 1), shape (B, C, H, W)."""
        return (self.channel(x.mean((2, 3), keepdim=True)) + self.spatial(x)).sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        return x * (1 + self.gate(x))
