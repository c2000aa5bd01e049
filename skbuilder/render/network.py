"""The whole network on one page: input, stem, one box per stage (its first block drawn, the
rest collapsed into one "× (N−1)" node, or "block 2" when there is one more), head; edges
carry the tensor shapes."""

from __future__ import annotations

import graphviz

from skbuilder.blocks.ops.base import chw, module_note, tensor_note
from skbuilder.render.block import block_path, summary_lines, title, uses_sk
from skbuilder.render.style import Canvas
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import walk


def stages_per_line(stages: int, rankdir: str) -> int:
    """Stages per row (left to right: the network folds into two rows past two stages) or per
    column (top to bottom: folded past six)."""
    if rankdir == "LR":
        return stages if stages <= 2 else -(-stages // 2)
    return stages if stages <= 6 else 4


def network_diagram(
    spec: NetworkSpec,
    *,
    image_size: int | None = None,
    legend: bool = True,
    rankdir: str = "TB",
) -> graphviz.Digraph:
    """The network at ``image_size`` (default: the spec's input size), drawn top to bottom or
    (``rankdir="LR"``) left to right."""
    network = walk(spec, image_size)
    size = network.image.h
    cv = Canvas(spec.name, f"{spec.name} @ {size}×{size}", rankdir=rankdir)
    prev = cv.node("input", "io", [("b", "input"), str(network.image)])
    stem = cv.node("stem", "conv", network.stem.lines(), **module_note("stem"))
    cv.edge(prev, stem, str(network.image), **tensor_note("stem"))
    prev, carried = stem, network.stem_out
    per_line = stages_per_line(len(network.stages), rankdir)
    for j, stage in enumerate(network.stages):
        source, mark = prev, cv.edge_count()
        name, depth, out = stage.name, stage.spec.depth, stage.y
        first = stage.steps[0].plan
        path = f"stages.{stage.index}"
        blocks = f"{depth} block{'s' if depth > 1 else ''}"
        with cv.cluster(f"stage_{name}", [("b", f"{name} · {out.h}×{out.w} · {blocks}")]):
            op = "sk" if uses_sk(first) else "conv"
            node = cv.node(
                f"{name}_first", op, summary_lines(first), **module_note(block_path(first))
            )
            cv.edge(prev, node, str(carried), **tensor_note(block_path(first)))
            prev = node
            if depth > 1:
                # "× N" stands for N > 1 blocks; a single second block is named as one
                count = ("b", f"× {depth - 1}") if depth > 2 else ("b", "block 2")
                kind = f"more {title(stage.spec.block)}" if depth > 2 else title(stage.spec.block)
                rest = cv.node(
                    f"{name}_rest",
                    "repeat",
                    [count, kind, ("small", f"{out.c} → {out.c}, stride 1")],
                    **module_note(f"{path}.1–{depth - 1}" if depth > 2 else f"{path}.1"),
                )
                cv.edge(prev, rest, str(out), **tensor_note(f"{path}.1"))
                prev = rest
            if stage.after is not None:
                after, _ = stage.after.draw(cv, f"{name}_bam", prev, out, f"{path}.bam")
                prev = after
        cv.line(source, mark, new=j > 0 and j % per_line == 0)
        carried = out
    head = cv.node("head", "fc", network.head.lines(), **module_note("head"))
    cv.edge(prev, head, str(carried), **tensor_note("head"))
    classes = spec.head.num_classes
    result = f"{classes} logits" if classes else f"{network.out.c} features"
    out_node = cv.node("output", "io", [("b", "output"), result])
    cv.edge(head, out_node, chw(network.out.c), **tensor_note("head", "output"))
    return cv.finish(legend=legend)
