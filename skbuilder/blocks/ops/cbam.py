"""CBAM (Woo et al.) as an op: a channel gate, then a spatial gate, on a block's output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Layers, Line, Op
from skbuilder.blocks.ops.se import hidden_width

if TYPE_CHECKING:
    from torch import nn


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
        gates = Cost(
            cx.h,
            cx.w,
            mlp.params + spatial.params,
            twice.macs + spatial.macs,
            twice.acts + spatial.acts,
        )
        return cx.plus(gates).at(cx.h, cx.w)

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

    def module(self, layers: Layers = Layers()) -> nn.Module:
        from skbuilder.nn.layers.cbam import CBAM as CBAMModule
        from skbuilder.nn.layers.conv_bn_act import layer_classes

        norm_layer, act_layer = layer_classes(layers)
        return CBAMModule(
            self.channels, self.hidden, self.kernel, norm_layer=norm_layer, act_layer=act_layer
        )
