"""ResNeXt-style bottlenecks: 1x1 -> (SK or grouped 3x3) -> 1x1, with a residual."""

from __future__ import annotations

from torch import Tensor

from skbuilder.analysis.cost import Cost
from skbuilder.blocks.base import ResidualBlock
from skbuilder.blocks.params import BlockParams, Violation, require_divisible
from skbuilder.blocks.registry import register_block
from skbuilder.nn.layers.conv_bn_act import ConvBnAct
from skbuilder.nn.layers.sk_conv import SKConv


def sk_width_rules(
    w_in: int, w_out: int, params: BlockParams, *, field: str, name: str
) -> list[Violation]:
    """Group and split rules of an SK conv from ``w_in`` (called ``name``, set at ``field``) to
    ``w_out`` channels."""
    sk = params.sk
    problems: list[Violation] = []
    w_branch = w_in
    if sk.split_input:
        problems += require_divisible(
            w_in, sk.M, field="sk.split_input", what=name, by=f"M={sk.M} (split_input)"
        )
        w_branch = w_in // sk.M
        name = f"{name}/M"
    problems += require_divisible(w_branch, sk.G, field=field, what=name, by=f"G={sk.G}")
    if w_out != w_in:
        problems += require_divisible(w_out, sk.G, field="sk.G", what="width", by=f"G={sk.G}")
    return problems


@register_block("sk_bottleneck")
class SKBottleneck(ResidualBlock):
    """The SK unit of the paper: 1x1 conv -> SK conv (stride here) -> 1x1 conv, residual."""

    uses_sk = True

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__(w_in, w_out, stride, params)
        w_mid, layers = params.w_mid, {"norm_layer": params.norm_layer}
        self.conv1 = ConvBnAct(w_in, w_mid, act_layer=params.act_layer, **layers)
        self.conv2 = SKConv(
            w_mid,
            w_mid,
            stride=stride,
            act_layer=params.act_layer,
            **params.sk.conv_kwargs(),  # type: ignore[arg-type]
            **layers,
        )
        self.conv3 = ConvBnAct(w_mid, w_out, act_layer=None, **layers)

    def residual(self, x: Tensor) -> Tensor:
        return self.conv3(self.conv2(self.conv1(x)))

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        w_mid = params.w_mid
        out = ConvBnAct.complexity(cx, w_in, w_mid)
        out = SKConv.complexity(out, w_mid, w_mid, stride=stride, **params.sk.conv_kwargs())  # type: ignore[arg-type]
        out = ConvBnAct.complexity(out, w_mid, w_out)
        return out.plus(cls.shortcut_complexity(cx, w_in, w_out, stride))

    @classmethod
    def check(cls, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return sk_width_rules(
            params.w_mid, params.w_mid, params, field="mid_width", name="mid_width"
        )


@register_block("bottleneck")
class Bottleneck(ResidualBlock):
    """Plain ResNeXt bottleneck (the paper's baseline): the SK conv replaced by one grouped 3x3."""

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__(w_in, w_out, stride, params)
        w_mid = params.w_mid
        kw = {"norm_layer": params.norm_layer}
        self.conv1 = ConvBnAct(w_in, w_mid, act_layer=params.act_layer, **kw)
        self.conv2 = ConvBnAct(
            w_mid,
            w_mid,
            kernel_size=3,
            stride=stride,
            groups=params.sk.G,
            act_layer=params.act_layer,
            **kw,
        )
        self.conv3 = ConvBnAct(w_mid, w_out, act_layer=None, **kw)

    def residual(self, x: Tensor) -> Tensor:
        return self.conv3(self.conv2(self.conv1(x)))

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        w_mid = params.w_mid
        out = ConvBnAct.complexity(cx, w_in, w_mid)
        out = ConvBnAct.complexity(
            out, w_mid, w_mid, kernel_size=3, stride=stride, groups=params.sk.G
        )
        out = ConvBnAct.complexity(out, w_mid, w_out)
        return out.plus(cls.shortcut_complexity(cx, w_in, w_out, stride))

    @classmethod
    def check(cls, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return require_divisible(
            params.w_mid, params.sk.G, field="mid_width", what="mid_width", by=f"G={params.sk.G}"
        )


__all__ = ["Bottleneck", "SKBottleneck"]
