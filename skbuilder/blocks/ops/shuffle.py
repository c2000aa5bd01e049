"""The ShuffleNetV2 unit (Ma et al., 2018) as an op: channel split, a main branch, concat and a
channel shuffle; a stride-2 unit feeds the whole input to a second (projection) branch."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Canvas, Line, Op, Shape, child, stride_text, tensor_note

Steps = tuple[tuple[str, Op], ...]


def _run(steps: Steps, cx: Cost) -> Cost:
    for _, op in steps:
        cx = op.complexity(cx)
    return cx


@dataclass(frozen=True)
class ShuffleUnit(Op):
    """Stride 1: x = [x1, x2] (halves), out = shuffle([x1, main(x2)]). Stride 2: out =
    shuffle([proj(x), main(x)]), both branches strided. ``gate`` (SE, CBAM) acts on the
    concatenation, before the shuffle."""

    w_in: int
    w_out: int
    stride: int
    main: Steps
    proj: Steps | None = None
    gate: Op | None = None
    groups: int = 2

    def children(self) -> list[Op]:
        ops = [op for _, op in (*self.main, *(self.proj or ()))]
        return ops if self.gate is None else [*ops, self.gate]

    def complexity(self, cx: Cost) -> Cost:
        half = self.w_in // 2
        start = cx if self.proj is not None else cx.reshaped(cx.shape.with_c(half))
        main = _run(self.main, start).delta(start)
        out = cx.then(main)
        if self.proj is not None:
            out = out.beside(_run(self.proj, cx).delta(cx))
        out = out.reshaped(out.shape.with_c(self.w_out))  # the concatenation
        return out if self.gate is None else self.gate.complexity(out)

    def lines(self) -> list[Line]:
        return [("b", "ShuffleNetV2 unit"), self.short()]

    def short(self) -> str:
        main = " → ".join(op.short() for _, op in self.main)
        split = "split, " if self.proj is None else ""
        gate = f" → {self.gate.short()}" if self.gate is not None else ""
        return f"{split}{main}{gate}, shuffle"

    def detail(self) -> list[Line]:
        return [line for _, op in self.main for line in op.detail()]

    def draw(
        self, cv: Canvas, name: str, source: str, x: Shape, path: str = ""
    ) -> tuple[str, Shape]:
        p = f"{name}_" if name else ""
        main_path, proj_path = child(path, "main"), child(path, "proj")
        first_main = child(main_path, self.main[0][0])
        if self.proj is None:
            into = cv.node(
                f"{p}split", "shuffle", [("b", "channel split"), f"{x.c} → 2 × {x.c // 2}"]
            )
            cv.edge(source, into, str(x), **tensor_note(path))
            main_in, x_main = into, x.with_c(x.c // 2)
            # the half kept aside has the shape of the half the main branch takes
            proj_out, proj_shape, kept = into, x.with_c(x.c // 2), tensor_note(first_main)
        else:
            main_in, x_main = source, x
            proj_out, proj_shape = source, x
            for step, op in self.proj:
                proj_out, proj_shape = op.draw(
                    cv, f"{p}proj_{step}", proj_out, proj_shape, child(proj_path, step)
                )
            kept = tensor_note(proj_path, "output")
        last, y = main_in, x_main
        for step, op in self.main:
            last, y = op.draw(cv, f"{p}main_{step}", last, y, child(main_path, step))
        concat = cv.node(f"{p}concat", "shuffle", [("b", "concat"), f"{proj_shape.c} + {y.c}"])
        style = "dashed" if self.proj is None else "solid"
        cv.edge(proj_out, concat, str(proj_shape), style=style, **kept)
        cv.edge(last, concat, str(y), **tensor_note(main_path, "output"))
        out, shape = concat, y.with_c(self.w_out)
        concat_note = tensor_note(path, "output")  # the shuffle keeps the shape
        if self.gate is not None:
            out, shape = self.gate.draw(cv, f"{p}gate", out, shape, child(path, "gate"))
            concat_note = tensor_note(child(path, "gate"), "output")
        shuffle = cv.node(
            f"{p}shuffle",
            "shuffle",
            [("b", "channel shuffle"), f"{self.groups} groups{stride_text(self.stride)}"],
        )
        cv.edge(out, shuffle, str(shape), **concat_note)
        return shuffle, shape
