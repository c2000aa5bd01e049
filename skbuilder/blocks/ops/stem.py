"""Network stems as an op: the paper's 7x7/2 conv + max-pool, the 3-conv 'deep' stem, or one
3x3 conv (CIFAR, ShuffleNet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op
from skbuilder.blocks.ops.conv import Conv

StemKind = Literal["classic", "deep", "conv3x3"]

#: The stem's max-pool: 3x3, stride 2, padding 1.
POOL = (3, 2, 1)


@dataclass(frozen=True)
class Stem(Op):
    """Stem convs (each conv -> BN -> act; the first takes ``stride``), then an optional 3x3/2
    max-pool."""

    w_in: int
    width: int
    kind: StemKind = "classic"
    pool: bool = True
    stride: int = 2

    def convs(self) -> list[Conv]:
        if self.kind == "classic":
            return [Conv(self.w_in, self.width, 7, self.stride)]
        if self.kind == "conv3x3":
            return [Conv(self.w_in, self.width, 3, self.stride)]
        half = self.width // 2
        return [
            Conv(self.w_in, half, 3, self.stride),
            Conv(half, half, 3),
            Conv(half, self.width, 3),
        ]

    def children(self) -> list[Conv]:
        return self.convs()

    def complexity(self, cx: Cost) -> Cost:
        for conv in self.convs():
            cx = conv.complexity(cx)
        return cc.pool(cx, *POOL) if self.pool else cx

    def lines(self) -> list[Line]:
        convs: list[Line] = [
            f"{c.kernel}×{c.kernel} conv {c.w_in} → {c.w_out}"
            + (f", stride {c.stride}" if c.stride > 1 else "")
            for c in self.convs()
        ]
        pool: list[Line] = ["3×3 max-pool, stride 2"] if self.pool else []
        return [
            ("b", f"stem ({self.kind})"),
            *convs,
            *pool,
            ("small", "BN, ReLU after each conv"),
        ]
