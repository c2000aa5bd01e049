"""Diagrams of one stage: one block in full (block level), or the stage's blocks in full (stage
level). A deep stage shows its first block, one node standing for the blocks between, and its
last block, unless every block is asked for. Blocks fold into columns (or rows) so that the
page stays about square."""

from __future__ import annotations

import math

import graphviz

from skbuilder.blocks.ops.base import Shape, module_note, tensor_note
from skbuilder.render.block import block_path, draw_block, title, uses_sk
from skbuilder.render.choices import MAX_DRAWN_BLOCKS, MAX_EXPANDED_BLOCKS
from skbuilder.render.errors import DiagramError
from skbuilder.render.style import Canvas
from skbuilder.spec.schema import BlockPlan, NetworkSpec
from skbuilder.spec.walk import walk


def resolve_stage(spec: NetworkSpec, stage: str | int | None = None) -> int:
    """The index of the stage named or numbered (0-based) by ``stage``; by default the first
    stage of SK blocks (the first stage if there is none)."""
    names = spec.stage_names()
    if stage is None:
        firsts = [p for p in spec.plan() if p.index == 0]
        return next((p.stage for p in firsts if uses_sk(p)), 0)
    if isinstance(stage, int) or stage.isdigit():
        index = int(stage)
        if 0 <= index < len(names):
            return index
    elif stage in names:
        return names.index(stage)
    raise DiagramError(
        f"no stage {stage!r} in {spec.name}: give a name ({', '.join(names)}) "
        f"or an index 0-{len(names) - 1}"
    )


def _plans(spec: NetworkSpec, stage: int) -> list[BlockPlan]:
    return [p for p in spec.plan() if p.stage == stage]


def block_diagram(
    spec: NetworkSpec,
    stage: str | int | None = None,
    *,
    index: int = 0,
    image_size: int | None = None,
    legend: bool = True,
    rankdir: str = "TB",
) -> graphviz.Digraph:
    """One block of a stage (its first by default) drawn in full, e.g. the SK unit."""
    i = resolve_stage(spec, stage)
    plans = _plans(spec, i)
    if not 0 <= index < len(plans):
        raise DiagramError(f"stage {spec.stage_names()[i]} has blocks 0-{len(plans) - 1}")
    plan, network = plans[index], walk(spec, image_size)
    name = spec.stage_names()[i]
    cv = Canvas(
        f"{spec.name}_{name}_{index}",
        f"{spec.name} · {name}, block {index + 1} of {len(plans)}: {title(plan.kind)}",
        rankdir=rankdir,
    )
    stage_walk = network.stages[i]
    x = stage_walk.x if index == 0 else stage_walk.y  # later blocks see the stage's output
    source = cv.node("X", "io", [("b", "X"), str(x)])
    last, y = draw_block(cv, plan, x, source, "")
    out = cv.node("Y", "io", [("b", "output"), str(y)])
    cv.edge(last, out, str(y), **tensor_note(block_path(plan), "output"))
    return cv.finish(legend=legend)


def stage_diagram(
    spec: NetworkSpec,
    stage: str | int | None = None,
    *,
    image_size: int | None = None,
    legend: bool = True,
    rankdir: str = "TB",
    expand: bool = False,
) -> graphviz.Digraph:
    """The blocks of one stage, each drawn in full, in order. A stage deeper than
    ``MAX_DRAWN_BLOCKS`` shows its first block, a "× N" node for the N identical blocks after it
    and its last block, unless ``expand``."""
    i = resolve_stage(spec, stage)
    network, name = walk(spec, image_size), spec.stage_names()[i]
    plans = _plans(spec, i)
    depth = len(plans)
    if expand and depth > MAX_EXPANDED_BLOCKS:
        raise DiagramError(
            f"stage {name} has {depth} blocks; --expand draws at most {MAX_EXPANDED_BLOCKS} "
            "(without it the blocks between the first and the last are one node)"
        )
    cv = Canvas(
        f"{spec.name}_{name}",
        f"{spec.name} · stage {name}: {depth} × {title(spec.stages[i].block)}",
        rankdir=rankdir,
    )
    x = network.stages[i].x
    last = cv.node("X", "io", [("b", "stage input"), str(x)])
    collapse = not expand and depth > MAX_DRAWN_BLOCKS
    drawn = [plans[0], plans[-1]] if collapse else plans
    per_line = blocks_per_line(len(drawn), rankdir)
    for j, plan in enumerate(drawn):
        if collapse and plan is plans[-1]:
            last = _collapsed(cv, plans, last, x)
        label = [("b", f"{name} block {plan.index + 1} of {depth}")]
        source, mark = last, cv.edge_count()
        with cv.cluster(f"block{plan.index}", label, fill="#ffffff"):
            last, x = draw_block(cv, plan, x, last, f"b{plan.index}")
        cv.line(source, mark, new=j > 0 and j % per_line == 0)
    out = cv.node("Y", "io", [("b", "stage output"), str(x)])
    cv.edge(last, out, str(x), **tensor_note(block_path(plans[-1]), "output"))
    return cv.finish(legend=legend)


def blocks_per_line(blocks: int, rankdir: str) -> int:
    """Blocks drawn in full per column (top to bottom: about the square root of their number,
    since a block is about as tall as wide) or per row (left to right: one, as a block lies
    several times wider than tall)."""
    if rankdir == "LR":
        return 1
    return math.ceil(blocks / math.ceil(math.sqrt(blocks)))


def _collapsed(cv: Canvas, plans: list[BlockPlan], source: str, x: Shape) -> str:
    """The node standing for blocks 2 .. N-1 of a stage, which all equal its last block."""
    n, last = len(plans) - 2, plans[-1]
    node = cv.node(
        "rest",
        "repeat",
        [
            ("b", f"× {n}"),
            f"blocks 2–{len(plans) - 1}: {title(last.kind)}",
            ("small", f"{last.w_in} → {last.w_out}, stride {last.stride}, as the last"),
        ],
        **module_note(f"stages.{last.stage}.1–{n}"),
    )
    cv.edge(source, node, str(x), **tensor_note(block_path(plans[1])))
    return node
