"""What a block receives besides (w_in, w_out, stride): the resolved per-stage settings.

Plain frozen dataclasses, made from the spec by ``NetworkSpec.block_params``; blocks never read
the spec itself, so a user's block can be built and tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from skbuilder.blocks.sk_geometry import attention_width, branch_shapes


@dataclass(frozen=True)
class SKSettings:
    """SK parameters in the paper's names: branch kernels (M = len), G groups, reduction r,
    minimum attention width L; ``dilate`` turns large kernels into dilated 3x3s."""

    kernels: tuple[int, ...] = (3, 5)
    G: int = 1
    r: int = 16
    L: int = 32
    dilate: bool = True
    split_input: bool = False

    @property
    def M(self) -> int:
        return len(self.kernels)

    def branches(self) -> tuple[tuple[int, int], ...]:
        """(kernel, dilation) of each branch."""
        return branch_shapes(self.kernels, self.dilate)

    def d(self, C: int) -> int:
        """Attention width for C channels."""
        return attention_width(C, self.r, self.L)

    def conv_kwargs(self) -> dict[str, object]:
        """Keyword arguments of ``SKConv`` / ``SKConv.complexity``."""
        return {
            "kernels": self.kernels,
            "dilate": self.dilate,
            "groups": self.G,
            "r": self.r,
            "L": self.L,
            "split_input": self.split_input,
        }


@dataclass(frozen=True)
class BlockParams:
    """Per-stage block settings: middle (bottleneck) width, SK settings, layer classes."""

    w_mid: int
    sk: SKSettings = field(default_factory=SKSettings)
    norm_layer: type[nn.Module] = nn.BatchNorm2d
    act_layer: type[nn.Module] = nn.ReLU


@dataclass(frozen=True)
class Violation:
    """A block's objection to its widths: ``field`` is relative to the stage (``mid_width``,
    ``sk.G``), so the spec can point at the line to fix."""

    field: str
    message: str
    hint: str | None = None


def nearest_multiples(value: int, divisor: int) -> tuple[int, ...]:
    """The multiples of ``divisor`` just below and above ``value`` (positive only)."""
    below = value // divisor * divisor
    above = below + divisor
    return tuple(v for v in (below, above) if v > 0)


def require_divisible(
    value: int, divisor: int, *, field: str, what: str, by: str
) -> list[Violation]:
    """One violation when ``divisor`` does not divide ``value``, with the nearest valid values."""
    if divisor <= 0 or value % divisor == 0:
        return []
    near = ", ".join(str(v) for v in nearest_multiples(value, divisor))
    return [
        Violation(
            field,
            f"{by} must divide {what} {value}",
            f"nearest valid {what}s: {near}",
        )
    ]
