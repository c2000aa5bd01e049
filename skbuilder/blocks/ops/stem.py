"""Network stems as an op: the paper's 7x7/2 conv + max-pool, the 3-conv 'deep' stem, or one
3x3 conv (CIFAR, ShuffleNet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op
from skbuilder.blocks.ops.conv import Conv
from skbuilder.blocks.settings import StemPool

StemKind = Literal["classic", "deep", "conv3x3"]


@dataclass(frozen=True)
class Stem(Op):
    """Stem convs (each conv -> BN -> act; the first takes ``stride``), then an optional
    max-pool: ``pool`` is True for the default window (``StemPool()``), a ``StemPool``, or
    False for none."""

    w_in: int
    width: int
    kind: StemKind = "classic"
    pool: bool | StemPool = True
    stride: int = 2

    @property
    def window(self) -> StemPool | None:
        """The max-pool's window, or None without one."""
        if isinstance(self.pool, StemPool):
            return self.pool
        return StemPool() if self.pool else None

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
        window = self.window
        return cc.pool(cx, window.out_size) if window is not None else cx

    def pool_line(self) -> str | None:
        """The max-pool in words: its window, and its padding and rounding when they are not
        the default's."""
        window = self.window
        if window is None:
            return None
        k = window.kernel
        line = f"{k}×{k} max-pool, stride {window.stride}"
        if not window.is_default:
            line += f", padding {window.padding}"
            line += ", rounding up" if window.ceil_mode else ""
        return line

    def lines(self) -> list[Line]:
        convs: list[Line] = [
            f"{c.kernel}×{c.kernel} conv {c.w_in} → {c.w_out}"
            + (f", stride {c.stride}" if c.stride > 1 else "")
            for c in self.convs()
        ]
        pool = self.pool_line()
        return [
            ("b", f"stem ({self.kind})"),
            *convs,
            *([pool] if pool else []),
            ("small", "BN, ReLU after each conv"),
        ]
