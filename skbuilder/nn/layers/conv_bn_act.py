"""Convolution → BatchNorm → optional activation, the unit every other layer is made of."""

from __future__ import annotations

from torch import Tensor, nn

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.ops.conv import Conv


def layer_classes(layers: Layers) -> tuple[type[nn.Module], type[nn.Module]]:
    """The norm and activation classes to build with (BatchNorm2d and ReLU unless given)."""
    return layers.norm or nn.BatchNorm2d, layers.act or nn.ReLU


class ConvBnAct(nn.Module):
    """A 'same'-padded convolution (bias-free unless ``bias``), its BatchNorm and (unless
    ``act_layer`` is None) an activation. Submodule names ``conv``/``bn``/``act`` are stable:
    weight import relies on them."""

    def __init__(
        self,
        w_in: int,
        w_out: int,
        *,
        kernel_size: int = 1,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = False,
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
            bias=bias,
        )
        self.bn = norm_layer(w_out)
        self.act = act_layer(inplace=True) if act_layer is not None else nn.Identity()

    @classmethod
    def of(cls, op: Conv, layers: Layers = Layers()) -> ConvBnAct:
        """The module a ``Conv`` op describes."""
        norm_layer, act_layer = layer_classes(layers)
        return cls(
            op.w_in,
            op.w_out,
            kernel_size=op.kernel,
            stride=op.stride,
            dilation=op.dilation,
            groups=op.groups,
            bias=op.bias,
            norm_layer=norm_layer,
            act_layer=act_layer if op.act else None,
        )

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
        """The cost of ``ConvBnAct(w_in, w_out, ...)`` (that of the ``Conv`` op)."""
        return Conv(w_in, w_out, kernel_size, stride, dilation, groups).complexity(cx)
