"""Diagrams of one stage: its first block alone (block level) or every block expanded."""

from __future__ import annotations

import graphviz

from skbuilder.render.block import draw_block, title, uses_sk
from skbuilder.render.errors import DiagramError
from skbuilder.render.geometry import network_shapes
from skbuilder.render.style import Canvas, html
from skbuilder.spec import BlockPlan, NetworkSpec


def resolve_stage(spec: NetworkSpec, stage: str | int | None = None) -> int:
    """The index of the stage named or numbered (0-based) by ``stage``; by default the first
    stage of SK blocks (the first stage if there is none)."""
    names = spec.stage_names()
    if stage is None:
        return next((i for i, s in enumerate(spec.stages) if uses_sk(s.block)), 0)
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
) -> graphviz.Digraph:
    """One block of a stage (its first by default) drawn in full, e.g. the SK unit."""
    i = resolve_stage(spec, stage)
    plans = _plans(spec, i)
    if not 0 <= index < len(plans):
        raise DiagramError(f"stage {spec.stage_names()[i]} has blocks 0-{len(plans) - 1}")
    plan, shapes = plans[index], network_shapes(spec, image_size)
    name = spec.stage_names()[i]
    cv = Canvas(
        f"{spec.name}_{name}_{index}",
        f"{spec.name} · {name}, block {index + 1} of {len(plans)}: {title(plan.kind)}",
    )
    x = shapes.block_input(i, index)
    source = cv.node("X", "io", html(("b", "X"), str(x)))
    last, y = draw_block(cv, plan, x, source, "")
    out = cv.node("Y", "io", html(("b", "output"), str(y)))
    cv.edge(last, out, str(y))
    return cv.finish(legend=legend)


def stage_diagram(
    spec: NetworkSpec,
    stage: str | int | None = None,
    *,
    image_size: int | None = None,
    legend: bool = True,
) -> graphviz.Digraph:
    """Every block of one stage, each drawn in full, in order."""
    i = resolve_stage(spec, stage)
    shapes, name = network_shapes(spec, image_size), spec.stage_names()[i]
    plans = _plans(spec, i)
    cv = Canvas(
        f"{spec.name}_{name}",
        f"{spec.name} · stage {name}: {len(plans)} × {title(spec.stages[i].block)}",
    )
    x = shapes.stage_input(i)
    last = cv.node("X", "io", html(("b", "stage input"), str(x)))
    for plan in plans:
        label = html(("b", f"{name} block {plan.index + 1} of {len(plans)}"))
        with cv.cluster(f"block{plan.index}", label, fill="#ffffff"):
            last, x = draw_block(cv, plan, x, last, f"b{plan.index}_")
    out = cv.node("Y", "io", html(("b", "stage output"), str(x)))
    cv.edge(last, out, str(x))
    return cv.finish(legend=legend)
