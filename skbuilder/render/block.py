"""What the diagrams ask of a block kind, read from its description (``skbuilder.blocks``): its
title, its one-node summary and its full drawing. Nothing is built."""

from __future__ import annotations

from skbuilder.blocks.ops.base import Line, Shape
from skbuilder.blocks.registry import get_block
from skbuilder.render.style import Canvas
from skbuilder.spec.schema import BlockPlan


def title(kind: str) -> str:
    return get_block(kind).display_name


def uses_sk(plan: BlockPlan) -> bool:
    return get_block(plan.kind).uses_sk(plan.w_in, plan.w_out, plan.stride, plan.params)


def summary_lines(plan: BlockPlan) -> list[Line]:
    """What a block is, in a few lines: its kind, its layers, its widths, its SK settings."""
    return get_block(plan.kind).summary_lines(plan.w_in, plan.w_out, plan.stride, plan.params)


def block_path(plan: BlockPlan) -> str:
    """Where the block's module sits in the built model: ``stages.<stage>.<index>``."""
    return f"stages.{plan.stage}.{plan.index}"


def draw_block(
    cv: Canvas, plan: BlockPlan, x: Shape, source: str, prefix: str
) -> tuple[str, Shape]:
    """Draw the block fed by node ``source`` carrying ``x``; returns its last node and output."""
    args = (plan.w_in, plan.w_out, plan.stride, plan.params)
    return get_block(plan.kind).draw(cv, prefix, source, x, args, block_path(plan))
