"""What a block receives besides (w_in, w_out, stride): the resolved per-stage settings.

A plain frozen dataclass, made from the spec by ``NetworkSpec.block_params``; blocks never read
the spec itself, so a user's block can be built, costed and tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.settings import AttentionSpec, SKSpec


@dataclass(frozen=True)
class BlockParams:
    """Per-stage block settings: middle (bottleneck) width, SK settings, the attention (``None``:
    the kind's own default), the groups of a plain block's grouped conv, and the layer classes
    to build with (``None``: BatchNorm2d and ReLU; the builder fills them in)."""

    w_mid: int
    sk: SKSpec = field(default_factory=SKSpec)
    attention: AttentionSpec | None = None
    groups: int = 1  # G of a plain block's grouped 3x3 conv (ResNeXt's cardinality)
    norm_layer: Any = None
    act_layer: Any = None

    @property
    def layers(self) -> Layers:
        return Layers(self.norm_layer, self.act_layer)


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
