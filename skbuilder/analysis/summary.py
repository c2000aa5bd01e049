"""Per-stage shapes, parameters and MACs from the spec alone (no tensors are made)."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import walk
from skbuilder.text import human


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
                human(r.macs),
            )
            for r in self.rows
        ]
        total = ("total", "", "", "", f"{self.params:,}", human(self.macs))
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


def summarize(spec: NetworkSpec, image_size: int | None = None) -> Summary:
    """Analytic cost of each part of the network at a square ``image_size`` (default: spec's)."""
    network = walk(spec, image_size)
    stem = network.stem_out
    rows = [Row("stem", "stem", 0, (stem.c, stem.h, stem.w), *_pm(network.stem_cost))]
    for stage in network.stages:
        y = stage.y
        rows.append(
            Row(stage.name, stage.spec.block, stage.spec.depth, (y.c, y.h, y.w), *_pm(stage.cost))
        )
    rows.append(Row("head", "head", 0, (network.out.c,), *_pm(network.head_cost)))
    return Summary(spec.name, network.image.h, tuple(rows))


def _pm(cost: Cost) -> tuple[int, int, int]:
    return cost.params, cost.macs, cost.acts
