"""A residual block as an op: named body ops, a shortcut, their sum and a final activation."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import (
    Canvas,
    Line,
    Op,
    Shape,
    child,
    module_note,
    stride_text,
    tensor_note,
)
from skbuilder.blocks.ops.conv import Conv


def projection(w_in: int, w_out: int, stride: int) -> Conv | None:
    """The shortcut: a strided 1x1 conv + BN whenever the shape changes, else identity (None)."""
    if stride == 1 and w_in == w_out:
        return None
    return Conv(w_in, w_out, 1, stride, act=False)


@dataclass(frozen=True)
class Residual(Op):
    """out = act(body(x) + shortcut(x)); ``shortcut`` None is the identity. The body's ops keep
    their names as submodules of the built block (``conv1``, ``conv2``, ...)."""

    body: tuple[tuple[str, Op], ...]
    shortcut: Conv | None = None

    def children(self) -> list[Op]:
        ops = [op for _, op in self.body]
        return ops if self.shortcut is None else [*ops, self.shortcut]

    def complexity(self, cx: Cost) -> Cost:
        out = cx
        for _, op in self.body:
            out = op.complexity(out)
        if self.shortcut is not None:
            out = out.beside(self.shortcut.complexity(cx).delta(cx))
        return out

    def lines(self) -> list[Line]:
        return [self.short()]

    def short(self) -> str:
        return " → ".join(op.short() for _, op in self.body)

    def detail(self) -> list[Line]:
        return [line for _, op in self.body for line in op.detail()]

    def draw(
        self, cv: Canvas, name: str, source: str, x: Shape, path: str = ""
    ) -> tuple[str, Shape]:
        p = f"{name}_" if name else ""
        last, y = source, x
        for step, op in self.body:
            last, y = op.draw(cv, f"{p}{step}", last, y, child(path, step))
        total = cv.node(f"{p}sum_out", "merge", ["+"])
        cv.edge(last, total, str(y), **tensor_note(child(path, self.body[-1][0]), "output"))
        if self.shortcut is not None:
            sc = self.shortcut
            proj = cv.node(
                f"{p}shortcut",
                "shortcut",
                [
                    ("b", "shortcut: 1×1 conv"),
                    f"{sc.w_in} → {sc.w_out}{stride_text(sc.stride)}",
                    ("small", "BN"),
                ],
                **module_note(child(path, "shortcut")),
            )
            shortcut = child(path, "shortcut")
            cv.edge(source, proj, str(x), style="dashed", **tensor_note(shortcut))
            cv.edge(proj, total, str(y), style="dashed", **tensor_note(shortcut, "output"))
        else:
            cv.edge(source, total, "identity", style="dashed")
        out = cv.node(f"{p}relu", "act", [("b", "ReLU")], **module_note(child(path, "act")))
        cv.edge(total, out)
        return out, y
