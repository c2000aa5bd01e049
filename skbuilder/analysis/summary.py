"""Per-stage shapes, parameters and MACs from the spec alone (no tensors are made), with what
each stage's blocks are: kind, attention, SK branches (M and kernels) and groups (G)."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.kind import BlockKind, walk_ops
from skbuilder.blocks.ops import Op
from skbuilder.blocks.ops.cbam import CBAM
from skbuilder.blocks.ops.conv import Conv
from skbuilder.blocks.ops.se import SE
from skbuilder.blocks.ops.sk import SK
from skbuilder.blocks.registry import get_block
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import BlockStep, walk
from skbuilder.text import human, table


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
    attention: str = ""  # "sk", "se", "cbam", "none" (+ " + bam"); empty for the stem and head
    branches: str = ""  # SK branches: "2 (3, 5)" is M=2 with kernels 3 and 5; "-" for none
    groups: str = ""  # largest G of the block's convolutions; "-" when unknown


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
        head = ("part", "block", "attention", "M (kernels)", "G", "depth", "output", "params")
        rows = [
            (
                r.name,
                r.kind,
                r.attention,
                r.branches,
                r.groups,
                str(r.depth) if r.depth else "",
                "x".join(map(str, r.shape)),
                f"{r.params:,}",
                human(r.macs),
            )
            for r in self.rows
        ]
        total = ("total", "", "", "", "", "", "", f"{self.params:,}", human(self.macs))
        text = table((*head, "MACs"), rows, right={4, 5, 7, 8}, footer=[total])
        return f"{self.spec_name} @ {self.image_size}x{self.image_size}\n{text}"


def summarize(spec: NetworkSpec, image_size: int | None = None) -> Summary:
    """Analytic cost of each part of the network at a square ``image_size`` (default: spec's)."""
    network = walk(spec, image_size)
    stem = network.stem_out
    rows = [Row("stem", "stem", 0, (stem.c, stem.h, stem.w), *_pm(network.stem_cost))]
    for stage in network.stages:
        y, first = stage.y, stage.steps[0]
        rows.append(
            Row(
                stage.name,
                stage.spec.block,
                stage.spec.depth,
                (y.c, y.h, y.w),
                *_pm(stage.cost),
                *_block_traits(get_block(first.plan.kind), first, bam=stage.after is not None),
            )
        )
    rows.append(Row("head", "head", 0, (network.out.c,), *_pm(network.head_cost)))
    return Summary(spec.name, network.image.h, tuple(rows))


def _pm(cost: Cost) -> tuple[int, int, int]:
    return cost.params, cost.macs, cost.acts


def attention_kind(ops: list[Op]) -> str:
    """The attention a block applies, read from its ops: ``sk`` where it selects between SK
    branches (summed branches are no attention), ``se``/``cbam`` for its gates, else ``none``."""
    found = ["sk"] if any(isinstance(op, SK) and op.sk.attends for op in ops) else []
    found += [
        name
        for name, gate in (("se", SE), ("cbam", CBAM))
        if any(isinstance(op, gate) for op in ops)
    ]
    return " + ".join(found) or "none"


def _block_traits(kind: BlockKind, step: BlockStep, *, bam: bool) -> tuple[str, str, str]:
    """(attention, branches, groups) of a stage's blocks, read from their description; a BAM
    after the stage is named with the attention."""
    after = " + bam" if bam else ""
    try:
        ops: list[Op] = list(walk_ops(kind.layout(*step.args)))
    except NotImplementedError:  # a module block that describes no layout: as the spec says
        return kind.attention_of(step.plan.params).kind + after, "-", "-"
    sks = [op for op in ops if isinstance(op, SK)]
    branches = "-"
    if sks:
        sk = sks[0].sk
        branches = f"{sk.M} ({', '.join(str(b.field) for b in sk.split_convs())})"
    groups = max((op.groups for op in ops if isinstance(op, Conv)), default=None)
    return attention_kind(ops) + after, branches, "-" if groups is None else str(groups)
