"""Convolution -> BatchNorm -> optional activation: the op every other one is made of."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Line, Op, stride_text


@dataclass(frozen=True)
class Conv(Op):
    """A 'same'-padded k×k convolution (bias-free unless ``bias``), its BN and (``act``) an
    activation."""

    w_in: int
    w_out: int
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    groups: int = 1
    act: bool = True
    bias: bool = False

    def complexity(self, cx: Cost) -> Cost:
        cx = cc.conv(
            cx,
            self.w_in,
            self.w_out,
            self.kernel,
            stride=self.stride,
            dilation=self.dilation,
            groups=self.groups,
            bias=self.bias,
        )
        return cc.norm(cx, self.w_out)

    def lines(self) -> list[Line]:
        k = self.kernel
        dilation = f", dilation {self.dilation}" if self.dilation > 1 else ""
        groups = f", G={self.groups}" if self.groups > 1 else ""
        return [
            ("b", f"{k}×{k} conv{dilation}"),
            f"{self.w_in} → {self.w_out}{groups}{stride_text(self.stride)}",
            ("small", "BN, ReLU" if self.act else "BN"),
        ]

    def problems(self) -> list[str]:
        g = self.groups
        return [
            f"G={g} must divide the {what} width {w} of a {self.kernel}×{self.kernel} conv"
            for what, w in (("input", self.w_in), ("output", self.w_out))
            if w % g
        ]

    def short(self) -> str:
        groups = f" G={self.groups}" if self.groups > 1 else ""
        return f"{self.kernel}×{self.kernel}{groups}"
