"""The whole network on one page: input, stem, one box per stage (its first block drawn, the
rest collapsed into one "× (N−1)" node), head; edges carry the tensor shapes."""

from __future__ import annotations

from html import escape

import graphviz

from skbuilder.render.block import summary_lines, title, uses_sk
from skbuilder.render.geometry import network_shapes
from skbuilder.render.style import Canvas, chw, html
from skbuilder.spec import NetworkSpec


def _stem_lines(spec: NetworkSpec) -> list[str | tuple[str, str]]:
    stem, w = spec.stem, spec.stem.width
    if stem.kind == "classic":
        convs = [f"7×7 conv {spec.input.channels} → {w}, stride 2"]
    else:
        convs = [
            f"3×3 conv {spec.input.channels} → {w // 2}, stride 2",
            f"3×3 conv {w // 2} → {w // 2}",
            f"3×3 conv {w // 2} → {w}",
        ]
    pool = ["3×3 max-pool, stride 2"] if stem.pool else []
    return [("b", f"stem ({stem.kind})"), *convs, *pool, ("small", "BN, ReLU after each conv")]


def network_diagram(
    spec: NetworkSpec, *, image_size: int | None = None, legend: bool = True
) -> graphviz.Digraph:
    """The network at ``image_size`` (default: the spec's input size)."""
    shapes = network_shapes(spec, image_size)
    cv = Canvas(spec.name, f"{spec.name} @ {shapes.size}×{shapes.size}")
    prev = cv.node("input", "io", html(("b", "input"), str(shapes.image)))
    stem = cv.node("stem", "conv", html(*_stem_lines(spec)))
    cv.edge(prev, stem, str(shapes.image))
    prev, carried = stem, shapes.stem
    names = spec.stage_names()
    plans = list(spec.plan())
    for i, (stage, name) in enumerate(zip(spec.stages, names)):
        out = shapes.stages[i]
        first = next(p for p in plans if p.stage == i)
        blocks = f"{stage.depth} block{'s' if stage.depth > 1 else ''}"
        label = f"<<b>{escape(name)}</b> · {out.h}×{out.w} · {blocks}>"
        with cv.cluster(f"stage_{name}", label):
            op = "sk" if uses_sk(stage.block) else "conv"
            node = cv.node(f"{name}_first", op, html(*summary_lines(first)))
            cv.edge(prev, node, str(carried))
            prev = node
            if stage.depth > 1:
                rest = cv.node(
                    f"{name}_rest",
                    "repeat",
                    html(
                        ("b", f"× {stage.depth - 1}"),
                        f"more {title(stage.block)}",
                        ("small", f"{out.c} → {out.c}, stride 1"),
                    ),
                )
                cv.edge(prev, rest, str(out))
                prev = rest
        carried = out
    classes = spec.head.num_classes
    head_lines: list[str | tuple[str, str]] = [("b", "head"), "global avg pool"]
    if spec.head.dropout:
        head_lines.append(f"dropout {spec.head.dropout:g}")
    if classes:
        head_lines.append(f"fc {carried.c} → {classes}")
    head = cv.node("head", "fc", html(*head_lines))
    cv.edge(prev, head, str(carried))
    result = f"{classes} logits" if classes else f"{carried.c} features"
    out_node = cv.node("output", "io", html(("b", "output"), result))
    cv.edge(head, out_node, chw(classes or carried.c))
    return cv.finish(legend=legend)
