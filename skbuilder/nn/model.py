"""The network a spec compiles to: stem -> stages -> head, all ordinary ``nn.Module``s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

if TYPE_CHECKING:
    from skbuilder.spec.schema import NetworkSpec


class Stage(nn.Sequential):
    """The blocks of one stage, in order (``stage[j]`` is block j), then any module placed after
    them (a BAM, as child ``bam``); ``name`` is the spec's stage name."""

    def __init__(self, name: str, blocks: list[nn.Module], after: nn.Module | None = None) -> None:
        super().__init__(*blocks)
        if after is not None:
            self.add_module("bam", after)
        self.name = name


class SKNet(nn.Module):
    """A built network. ``stages[i][j]`` is block j of spec stage i; ``spec`` is the spec it was
    built from and ``layer_classes`` the (norm, activation) classes (both set by
    ``build_model``)."""

    spec: NetworkSpec | None
    layer_classes: tuple[type[nn.Module], type[nn.Module]]

    def __init__(self, stem: nn.Module, stages: list[Stage], head: nn.Module) -> None:
        super().__init__()
        self.spec = None
        self.stem = stem
        self.stages = nn.Sequential(*stages)
        self.head = head

    def forward_features(self, x: Tensor) -> Tensor:
        return self.stages(self.stem(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.forward_features(x))
