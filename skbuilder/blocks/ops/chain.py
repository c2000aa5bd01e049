"""Ops in sequence, each under its own name (a block without a residual, for instance)."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Canvas, Line, Op, Shape, child


@dataclass(frozen=True)
class Chain(Op):
    """``steps`` applied in order; each op becomes the submodule of its name."""

    steps: tuple[tuple[str, Op], ...]

    def children(self) -> list[Op]:
        return [op for _, op in self.steps]

    def complexity(self, cx: Cost) -> Cost:
        for _, op in self.steps:
            cx = op.complexity(cx)
        return cx

    def lines(self) -> list[Line]:
        return [self.short()]

    def short(self) -> str:
        return " → ".join(op.short() for _, op in self.steps)

    def detail(self) -> list[Line]:
        return [line for _, op in self.steps for line in op.detail()]

    def draw(
        self, cv: Canvas, name: str, source: str, x: Shape, path: str = ""
    ) -> tuple[str, Shape]:
        p = f"{name}_" if name else ""
        for step, op in self.steps:
            source, x = op.draw(cv, f"{p}{step}", source, x, child(path, step))
        return source, x
