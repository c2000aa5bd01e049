"""The block contract (pycls's AnyNet): ``Block(w_in, w_out, stride, params)`` plus an analytic
``complexity`` with the same arguments and a ``check`` of the widths it can accept."""

from __future__ import annotations

from typing import ClassVar

from torch import Tensor, nn

from skbuilder.analysis.cost import Cost
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.nn.layers.conv_bn_act import ConvBnAct


class Block(nn.Module):
    """Base of every buildable block. Subclasses set ``uses_sk`` and implement the three methods."""

    uses_sk: ClassVar[bool] = False

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__()

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        raise NotImplementedError(f"{cls.__name__} must define complexity()")

    @classmethod
    def check(cls, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        """Objections to these widths; the spec reports them at the stage's fields."""
        return []


class ResidualBlock(Block):
    """out = act(residual(x) + shortcut(x)); the shortcut is a strided 1x1 conv + BN whenever the
    shape changes, identity otherwise."""

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__(w_in, w_out, stride, params)
        self.shortcut: nn.Module = (
            ConvBnAct(
                w_in,
                w_out,
                kernel_size=1,
                stride=stride,
                norm_layer=params.norm_layer,
                act_layer=None,
            )
            if self.needs_projection(w_in, w_out, stride)
            else nn.Identity()
        )
        self.act = params.act_layer(inplace=True)

    @staticmethod
    def needs_projection(w_in: int, w_out: int, stride: int) -> bool:
        return stride != 1 or w_in != w_out

    def residual(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def last_norm(self) -> nn.Module | None:
        """The residual branch's last normalisation layer (registered after the shortcut's)."""
        norms = [
            m
            for name, m in self.named_modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and not name.startswith("shortcut")
        ]
        return norms[-1] if norms else None

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.residual(x) + self.shortcut(x))

    @classmethod
    def shortcut_complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int) -> Cost:
        """Cost of the projection (zero for identity), starting from the block's input."""
        if not cls.needs_projection(w_in, w_out, stride):
            return Cost(cx.h, cx.w)
        return ConvBnAct.complexity(cx, w_in, w_out, kernel_size=1, stride=stride).delta(cx)
