"""The classifier head as an op: global average pool, dropout, a linear layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Layers, Line, Op

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class Head(Op):
    """Global average pool -> dropout -> fc; ``num_classes=0`` keeps the pooled features."""

    w_in: int
    num_classes: int
    dropout: float = 0.0
    style = "fc"

    def complexity(self, cx: Cost) -> Cost:
        cx = cc.global_pool(cx)
        return cc.linear(cx, self.w_in, self.num_classes) if self.num_classes > 0 else cx

    def lines(self) -> list[Line]:
        lines: list[Line] = [("b", "head"), "global avg pool"]
        if self.dropout:
            lines.append(f"dropout {self.dropout:g}")
        if self.num_classes:
            lines.append(f"fc {self.w_in} → {self.num_classes}")
        return lines

    def module(self, layers: Layers = Layers()) -> nn.Module:
        from skbuilder.nn.layers.head import ClassifierHead

        return ClassifierHead(self.w_in, self.num_classes, dropout=self.dropout)
