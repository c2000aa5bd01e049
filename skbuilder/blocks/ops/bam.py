"""BAM (Park et al.) as an op: a bottleneck attention module placed after a stage."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op
from skbuilder.blocks.ops.conv import Conv
from skbuilder.blocks.ops.se import hidden_width


@dataclass(frozen=True)
class BAM(Op):
    """x * (1 + sigmoid(Mc(x) + Ms(x))), the paper's sum of the two branches.

    Mc: GAP -> biased 1x1 C -> h, BN, ReLU -> biased 1x1 h -> C (per channel);
    Ms: biased 1x1 C -> h, BN, ReLU -> two biased 3x3 (dilation d) h -> h, BN, ReLU -> biased
    1x1 h -> 1 (per position); h = C/r.
    """

    channels: int
    r: int = 16
    dilation: int = 4
    style = "attention"

    @property
    def hidden(self) -> int:
        return hidden_width(self.channels, self.r)

    def channel_branch(self) -> list[Conv]:
        C, h = self.channels, self.hidden
        return [Conv(C, h, bias=True)]

    def spatial_branch(self) -> list[Conv]:
        C, h, d = self.channels, self.hidden, self.dilation
        dilated = Conv(h, h, 3, dilation=d, bias=True)
        return [Conv(C, h, bias=True), dilated, dilated]

    def complexity(self, cx: Cost) -> Cost:
        C, h = self.channels, self.hidden
        pooled = cc.global_pool(cx)
        channel = pooled
        for conv in self.channel_branch():
            channel = conv.complexity(channel)
        channel = cc.conv(channel, h, C, 1, bias=True).delta(pooled)
        spatial = cx
        for conv in self.spatial_branch():
            spatial = conv.complexity(spatial)
        spatial = cc.conv(spatial, h, 1, 1, bias=True).delta(cx)
        gates = Cost(cx.shape, channel.params + spatial.params, channel.macs + spatial.macs)
        return cx.beside(gates)

    def lines(self) -> list[Line]:
        C, h, d = self.channels, self.hidden, self.dilation
        return [
            ("b", "BAM"),
            f"channel: GAP → fc {C} → {h} (BN, ReLU) → {C}",
            f"spatial: 1×1 {C} → {h}, 2 × 3×3 dilation {d}, 1×1 → 1",
            ("small", "x · (1 + sigmoid(channel + spatial))"),
        ]

    def short(self) -> str:
        return "BAM"
