"""The one walk over a network's description: every part's input and output shape and what it
costs, at a given input size, from the spec alone (no tensors are made).

Summaries, the budget, diagrams and property tests all read it. A stage's blocks after the first
all take the same arguments and the same input, so they are costed once and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops import Head, Shape, Stem
from skbuilder.blocks.ops.bam import BAM
from skbuilder.blocks.params import BlockParams
from skbuilder.blocks.registry import get_block
from skbuilder.spec.schema import BlockPlan, NetworkSpec, StageSpec


@dataclass(frozen=True)
class BlockStep:
    """``count`` identical blocks in a row: the first one's plan, input, output and cost."""

    plan: BlockPlan
    count: int
    x: Shape
    y: Shape
    cost: Cost  # of one block

    @property
    def args(self) -> tuple[int, int, int, BlockParams]:
        p = self.plan
        return p.w_in, p.w_out, p.stride, p.params


@dataclass(frozen=True)
class StageWalk:
    """One stage: its first block, then (for depth > 1) the rest, then any module after it."""

    index: int
    name: str
    spec: StageSpec
    steps: tuple[BlockStep, ...]
    after: BAM | None = None
    after_cost: Cost | None = None

    @property
    def x(self) -> Shape:
        return self.steps[0].x

    @property
    def y(self) -> Shape:
        return self.steps[-1].y

    @property
    def cost(self) -> Cost:
        costs = [step.cost.times(step.count) for step in self.steps]
        return _sum([*costs, *([self.after_cost] if self.after_cost else [])], self.y)


@dataclass(frozen=True)
class NetworkWalk:
    """The network at one input size: image, stem, stages, head."""

    image: Shape
    stem: Stem
    stem_out: Shape
    stem_cost: Cost
    stages: tuple[StageWalk, ...]
    head: Head
    head_cost: Cost
    out: Shape  # (classes or features, 1, 1)

    @property
    def features(self) -> Shape:
        """The last feature map, before the head."""
        return self.stages[-1].y

    def total(self, *, head: bool = True) -> Cost:
        """What the whole network costs (without the head unless ``head``)."""
        parts = [self.stem_cost, *(s.cost for s in self.stages)]
        if head:
            parts.append(self.head_cost)
        return _sum(parts, self.out if head else self.features)


def _sum(costs: list[Cost], at: Shape) -> Cost:
    """The totals of ``costs``, at shape ``at``."""
    return Cost(
        at,
        params=sum(c.params for c in costs),
        macs=sum(c.macs for c in costs),
        acts=sum(c.acts for c in costs),
    )


def walk(spec: NetworkSpec, image_size: int | tuple[int, int] | None = None) -> NetworkWalk:
    """Walk ``spec`` at a square ``image_size`` or an (h, w) pair (default: the spec's size)."""
    size = image_size or spec.input.image_size
    h, w = size if isinstance(size, tuple) else (size, size)
    image = Shape(spec.input.channels, h, w)
    stem = spec.stem_op()
    start = image.cost()
    stem_cost = stem.complexity(start).delta(start)
    x = stem_cost.shape
    plans: list[list[BlockPlan]] = [[] for _ in spec.stages]
    for plan in spec.plan():
        if plan.index < 2:
            plans[plan.stage].append(plan)
    names = spec.stage_names()
    stages = []
    for i, stage in enumerate(spec.stages):
        steps = []
        for plan in plans[i]:
            kind = get_block(plan.kind)
            before = x.cost()
            cost = kind.complexity(before, plan.w_in, plan.w_out, plan.stride, plan.params)
            y = cost.shape
            count = 1 if plan.index == 0 else stage.depth - 1
            steps.append(BlockStep(plan, count, x, y, cost.delta(before)))
            x = y
        after = spec.bam_op(i)
        after_cost = None if after is None else after.complexity(x.cost()).delta(x.cost())
        stages.append(StageWalk(i, names[i], stage, tuple(steps), after, after_cost))
    head = spec.head_op()
    before = x.cost()
    head_cost = head.complexity(before).delta(before)
    out = Shape(spec.head.num_classes or head.features, 1, 1)
    return NetworkWalk(image, stem, stem_cost.shape, stem_cost, tuple(stages), head, head_cost, out)


def feature_shapes(
    spec: NetworkSpec, image_size: int | tuple[int, int] | None = None
) -> list[Shape]:
    """The feature maps a backbone returns, at ``image_size``: the stem's output, then each
    stage's (after any module placed after it)."""
    network = walk(spec, image_size)
    return [network.stem_out, *(stage.y for stage in network.stages)]
