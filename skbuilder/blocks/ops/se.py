"""Squeeze-and-excitation (Hu et al.) as an op: a channel gate on a block's output."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op


def hidden_width(channels: int, r: int) -> int:
    """The gate's bottleneck: C/r, at least one channel."""
    return max(channels // r, 1)


@dataclass(frozen=True)
class SE(Op):
    """x * sigmoid(W2 ReLU(W1 GAP(x))), W1: C -> C/r and W2: C/r -> C biased 1x1 convs."""

    channels: int
    r: int = 16
    style = "attention"

    @property
    def hidden(self) -> int:
        return hidden_width(self.channels, self.r)

    def complexity(self, cx: Cost) -> Cost:
        C, h = self.channels, self.hidden
        pooled = cc.global_pool(cx)
        gate = cc.conv(cc.conv(pooled, C, h, 1, bias=True), h, C, 1, bias=True)
        return cx.beside(gate.delta(pooled))

    def lines(self) -> list[Line]:
        return [
            ("b", "SE gate"),
            f"GAP → fc {self.channels} → {self.hidden} → {self.channels}",
            ("small", "ReLU, sigmoid; x · gate"),
        ]

    def short(self) -> str:
        return "SE"
