"""Convolution → BatchNorm → optional activation, the unit every other layer is made of."""

from __future__ import annotations

from torch import Tensor, nn

from skbuilder.analysis import cost as cc
from skbuilder.analysis.cost import Cost


class ConvBnAct(nn.Module):
    """A bias-free 'same'-padded convolution, its BatchNorm and (unless ``act_layer`` is None) an
    activation. Submodule names ``conv``/``bn``/``act`` are stable: weight import relies on them."""

    def __init__(
        self,
        w_in: int,
        w_out: int,
        *,
        kernel_size: int = 1,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] | None = nn.ReLU,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            w_in,
            w_out,
            kernel_size,
            stride=stride,
            padding=cc.same_padding(kernel_size, dilation),
            dilation=dilation,
            groups=groups,
            bias=False,
        )
        self.bn = norm_layer(w_out)
        self.act = act_layer(inplace=True) if act_layer is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))

    @staticmethod
    def complexity(
        cx: Cost,
        w_in: int,
        w_out: int,
        *,
        kernel_size: int = 1,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
    ) -> Cost:
        cx = cc.conv(cx, w_in, w_out, kernel_size, stride=stride, dilation=dilation, groups=groups)
        return cc.norm(cx, w_out)
