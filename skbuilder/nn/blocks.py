"""Block modules: the residual block every ``Residual`` layout builds, and the base class of
blocks written directly as modules (see ``skbuilder.blocks.ModuleKind``)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.params import BlockParams, Violation


class Block(nn.Module):
    """Base of a block written as a module (pycls's AnyNet contract): the constructor takes
    ``(w_in, w_out, stride, params)``; ``complexity`` gives its analytic cost from the same
    arguments and ``check`` its objections to them."""

    def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
        super().__init__()

    @classmethod
    def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        raise NotImplementedError(f"{cls.__name__} must define complexity()")

    @classmethod
    def check(cls, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        """Objections to these widths; the spec reports them at the stage's fields."""
        return []


class ResidualBlock(nn.Module):
    """out = act(body(x) + shortcut(x)), built from a ``Residual`` layout: each body module is
    the submodule of its name (``conv1``, ``conv2``, ...), the shortcut a 1x1 conv + BN or
    identity (``None``)."""

    def __init__(
        self,
        body: Iterable[tuple[str, nn.Module]],
        shortcut: nn.Module | None = None,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        names = []
        for name, module in body:
            self.add_module(name, module)
            names.append(name)
        self.body_names = tuple(names)
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.act = act_layer(inplace=True)

    def residual(self, x: Tensor) -> Tensor:
        for name in self.body_names:
            x = getattr(self, name)(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.residual(x) + self.shortcut(x))

    def last_norm(self) -> nn.modules.batchnorm._BatchNorm | None:
        """The residual branch's last normalisation layer (for zero-init of the branch)."""
        norms = [
            m
            for name, m in self.named_modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and not name.startswith("shortcut")
        ]
        return norms[-1] if norms else None


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` equal groups (ShuffleNet's shuffle)."""
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class ShuffleBlock(nn.Module):
    """A ShuffleNetV2 unit built from its ``ShuffleUnit`` layout: ``main`` (and for stride 2
    ``proj``) branches, an optional ``gate`` on the concatenation, then the channel shuffle."""

    def __init__(
        self,
        main: nn.Module,
        proj: nn.Module | None,
        gate: nn.Module | None,
        groups: int = 2,
    ) -> None:
        super().__init__()
        self.groups = groups
        self.main = main
        self.proj = proj
        self.gate = gate if gate is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        if self.proj is None:
            kept, x = x.chunk(2, dim=1)
        else:
            kept = self.proj(x)
        out = self.gate(torch.cat((kept, self.main(x)), dim=1))
        return channel_shuffle(out, self.groups)
