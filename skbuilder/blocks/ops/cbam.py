"""CBAM (Woo et al.) as an op: a channel gate, then a spatial gate, on a block's output."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op
from skbuilder.blocks.ops.se import hidden_width


@dataclass(frozen=True)
class CBAM(Op):
    """Channel gate sigmoid(MLP(avgpool x) + MLP(maxpool x)) with one shared, biased MLP
    C -> C/r -> C; then spatial gate sigmoid(BN(conv_kxk([max_c x; mean_c x]))), bias-free."""

    channels: int
    r: int = 16
    kernel: int = 7
    style = "attention"

    @property
    def hidden(self) -> int:
        return hidden_width(self.channels, self.r)

    def complexity(self, cx: Cost) -> Cost:
        C, h = self.channels, self.hidden
        pooled = cc.global_pool(cx)
        mlp = cc.conv(cc.conv(pooled, C, h, 1, bias=True), h, C, 1, bias=True).delta(pooled)
        twice = mlp.times(2)  # the MLP runs on the average and on the max pool
        spatial = cc.norm(cc.conv(cx, 2, 1, self.kernel), 1).delta(cx)
        gates = Cost(cx.shape, mlp.params + spatial.params, twice.macs + spatial.macs)
        return cx.beside(gates)

    def lines(self) -> list[Line]:
        k = self.kernel
        return [
            ("b", "CBAM"),
            f"channel: MLP {self.channels} → {self.hidden} → {self.channels} on avg and max",
            f"spatial: {k}×{k} conv on [max, mean], BN",
            ("small", "sigmoid gates, applied in turn"),
        ]

    def short(self) -> str:
        return "CBAM"
