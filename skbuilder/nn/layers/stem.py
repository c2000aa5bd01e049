"""Network stems: the paper's 7x7/2 conv + max-pool, and the 3-conv 'deep' stem (ResNet-D)."""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

from skbuilder.analysis import cost as cc
from skbuilder.analysis.cost import Cost
from skbuilder.nn.layers.conv_bn_act import ConvBnAct

StemKind = Literal["classic", "deep"]


def _stem_convs(kind: StemKind, w_in: int, width: int) -> list[tuple[int, int, int, int]]:
    """(w_in, w_out, kernel, stride) of each conv of the stem."""
    if kind == "classic":
        return [(w_in, width, 7, 2)]
    half = width // 2
    return [(w_in, half, 3, 2), (half, half, 3, 1), (half, width, 3, 1)]


class Stem(nn.Module):
    """Stem convs (each conv -> BN -> act), then an optional 3x3/2 max-pool: /4 in all."""

    def __init__(
        self,
        w_in: int,
        width: int,
        *,
        kind: StemKind = "classic",
        pool: bool = True,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            *(
                ConvBnAct(a, b, kernel_size=k, stride=s, norm_layer=norm_layer, act_layer=act_layer)
                for a, b, k, s in _stem_convs(kind, w_in, width)
            )
        )
        self.pool = nn.MaxPool2d(3, stride=2, padding=1) if pool else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.convs(x))

    @staticmethod
    def complexity(
        cx: Cost, w_in: int, width: int, *, kind: StemKind = "classic", pool: bool = True
    ) -> Cost:
        for a, b, k, s in _stem_convs(kind, w_in, width):
            cx = ConvBnAct.complexity(cx, a, b, kernel_size=k, stride=s)
        return cc.pool(cx, 3, 2, 1) if pool else cx
