"""ResNet-18/34-style basic blocks: two 3x3 convs with a residual; the SK variant makes the
first one an SK conv (as timm's SK-ResNet does)."""

from __future__ import annotations

from torch import Tensor

from skbuilder.analysis.cost import Cost
from skbuilder.blocks.base import ResidualBlock
from skbuilder.blocks.bottleneck import sk_width_rules
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.blocks.registry import register_block
from skbuilder.nn.layers.conv_bn_act import ConvBnAct
from skbuilder.nn.layers.sk_conv import SKConv


@register_block("sk_basic")
class SKBasicBlock(ResidualBlock):
    """SK conv w_in -> w_mid (stride here) -> 3x3 conv w_mid -> w_out, residual."""

    uses_sk = True

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__(w_in, w_out, stride, params)
        self.conv1 = SKConv(
            w_in,
            params.w_mid,
            stride=stride,
            norm_layer=params.norm_layer,
            act_layer=params.act_layer,
            **params.sk.conv_kwargs(),  # type: ignore[arg-type]
        )
        self.conv2 = ConvBnAct(
            params.w_mid, w_out, kernel_size=3, norm_layer=params.norm_layer, act_layer=None
        )

    def residual(self, x: Tensor) -> Tensor:
        return self.conv2(self.conv1(x))

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        out = SKConv.complexity(cx, w_in, params.w_mid, stride=stride, **params.sk.conv_kwargs())  # type: ignore[arg-type]
        out = ConvBnAct.complexity(out, params.w_mid, w_out, kernel_size=3)
        return out.plus(cls.shortcut_complexity(cx, w_in, w_out, stride))

    @classmethod
    def check(cls, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return sk_width_rules(w_in, params.w_mid, params, field="sk.G", name="input width")


@register_block("basic")
class BasicBlock(ResidualBlock):
    """Plain ResNet basic block: 3x3 conv (stride here) -> 3x3 conv, residual. No groups."""

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__(w_in, w_out, stride, params)
        self.conv1 = ConvBnAct(
            w_in,
            params.w_mid,
            kernel_size=3,
            stride=stride,
            norm_layer=params.norm_layer,
            act_layer=params.act_layer,
        )
        self.conv2 = ConvBnAct(
            params.w_mid, w_out, kernel_size=3, norm_layer=params.norm_layer, act_layer=None
        )

    def residual(self, x: Tensor) -> Tensor:
        return self.conv2(self.conv1(x))

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        out = ConvBnAct.complexity(cx, w_in, params.w_mid, kernel_size=3, stride=stride)
        out = ConvBnAct.complexity(out, params.w_mid, w_out, kernel_size=3)
        return out.plus(cls.shortcut_complexity(cx, w_in, w_out, stride))
