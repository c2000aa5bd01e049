"""The classifier head as an op: an optional 1x1 conv, global average pool, dropout, a linear
layer."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op
from skbuilder.blocks.ops.conv import Conv


@dataclass(frozen=True)
class Head(Op):
    """[1x1 conv -> BN -> ReLU] -> global average pool -> dropout -> fc; ``num_classes=0``
    keeps the pooled features."""

    w_in: int
    num_classes: int
    dropout: float = 0.0
    conv_width: int | None = None
    style = "fc"

    @property
    def conv(self) -> Conv | None:
        return None if self.conv_width is None else Conv(self.w_in, self.conv_width)

    @property
    def features(self) -> int:
        """Width of the pooled features."""
        return self.w_in if self.conv_width is None else self.conv_width

    def children(self) -> list[Op]:
        return [] if self.conv is None else [self.conv]

    def complexity(self, cx: Cost) -> Cost:
        if self.conv is not None:
            cx = self.conv.complexity(cx)
        cx = cc.global_pool(cx)
        return cc.linear(cx, self.features, self.num_classes) if self.num_classes > 0 else cx

    def lines(self) -> list[Line]:
        lines: list[Line] = [("b", "head")]
        if self.conv_width is not None:
            lines.append(f"1×1 conv {self.w_in} → {self.conv_width}, BN, ReLU")
        lines.append("global avg pool")
        if self.dropout:
            lines.append(f"dropout {self.dropout:g}")
        if self.num_classes:
            lines.append(f"fc {self.features} → {self.num_classes}")
        return lines
