"""Per-stage shapes, parameters and MACs from the spec alone (no tensors are made)."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks import get_block
from skbuilder.complexity import Cost
from skbuilder.layers.head import ClassifierHead
from skbuilder.layers.stem import Stem
from skbuilder.spec import BlockPlan, NetworkSpec


@dataclass(frozen=True)
class Row:
    """One line of a summary: a part of the network and what it adds."""

    name: str
    kind: str
    depth: int
    shape: tuple[int, ...]  # output (C, H, W), or (num_classes,) for the head
    params: int
    macs: int
    acts: int = 0  # output elements of every conv and linear layer, per image


@dataclass(frozen=True)
class Summary:
    spec_name: str
    image_size: int
    rows: tuple[Row, ...]

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def acts(self) -> int:
        return sum(r.acts for r in self.rows)

    def stage_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.kind not in ("stem", "head"))

    def table(self) -> str:
        """A readable fixed-width table with totals."""
        head = ("part", "block", "depth", "output", "params", "MACs")
        lines = [
            (
                r.name,
                r.kind,
                str(r.depth) if r.depth else "",
                "x".join(map(str, r.shape)),
                f"{r.params:,}",
                _si(r.macs),
            )
            for r in self.rows
        ]
        total = ("total", "", "", "", f"{self.params:,}", _si(self.macs))
        widths = [max(len(c[i]) for c in [head, *lines, total]) for i in range(len(head))]

        def fmt(cells: tuple[str, ...]) -> str:
            left = [c.ljust(w) for c, w in zip(cells[:4], widths[:4])]
            right = [c.rjust(w) for c, w in zip(cells[4:], widths[4:])]
            return "  ".join(left + right).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join(
            [
                f"{self.spec_name} @ {self.image_size}x{self.image_size}",
                fmt(head),
                rule,
                *map(fmt, lines),
                rule,
                fmt(total),
            ]
        )


def _si(macs: int) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if macs >= scale:
            return f"{macs / scale:.2f}{unit}"
    return str(macs)


def summarize(spec: NetworkSpec, image_size: int | None = None) -> Summary:
    """Analytic cost of each part of the network at a square ``image_size`` (default: spec's)."""
    size = image_size or spec.input.image_size
    start = Cost(size, size)
    cx = Stem.complexity(
        start, spec.input.channels, spec.stem.width, kind=spec.stem.kind, pool=spec.stem.pool
    )
    rows = [Row("stem", "stem", 0, (spec.stem.width, cx.h, cx.w), cx.params, cx.macs, cx.acts)]
    names = spec.stage_names()
    plans: list[list[BlockPlan]] = [[] for _ in spec.stages]
    for plan in spec.plan():  # one pass: the check of a huge spec stays linear in its blocks
        plans[plan.stage].append(plan)
    for i, stage in enumerate(spec.stages):
        before = cx
        for plan in plans[i]:
            cx = get_block(plan.kind).complexity(
                cx, plan.w_in, plan.w_out, plan.stride, plan.params
            )
        added = cx.delta(before)
        rows.append(
            Row(
                names[i],
                stage.block,
                stage.depth,
                (stage.out_width, cx.h, cx.w),
                added.params,
                added.macs,
                added.acts,
            )
        )
    before = cx
    cx = ClassifierHead.complexity(cx, spec.stages[-1].out_width, spec.head.num_classes)
    added = cx.delta(before)
    out = (spec.head.num_classes or spec.stages[-1].out_width,)
    rows.append(Row("head", "head", 0, out, added.params, added.macs, added.acts))
    return Summary(spec.name, size, tuple(rows))
