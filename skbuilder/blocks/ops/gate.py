"""The gate an attention setting puts on a block's output (SE, CBAM), if any."""

from __future__ import annotations

from skbuilder.blocks.ops.base import Op
from skbuilder.blocks.ops.cbam import CBAM
from skbuilder.blocks.ops.se import SE
from skbuilder.blocks.settings import AttentionSpec, CBAMAttention, SEAttention


def gate_op(attention: AttentionSpec, channels: int) -> Op | None:
    """SE or CBAM on ``channels``; None for ``sk`` (it changes the spatial conv) and ``none``."""
    if isinstance(attention, SEAttention):
        return SE(channels, attention.r)
    if isinstance(attention, CBAMAttention):
        return CBAM(channels, attention.r, attention.kernel)
    return None
