"""The network spec: one validated, frozen description of an SK network.

Field rules live on the fields; rules that relate fields (widths vs. groups, spatial size vs.
strides, unique names) live in ``NetworkSpec``'s validator, which reports every violation at the
path of the field to change. All models are strict: YAML 1.1 surprises (``no`` -> False,
``"1e-3"`` as a string) never pass as numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from skbuilder.blocks.cost import conv_out_size
from skbuilder.blocks.kind import walk_ops
from skbuilder.blocks.ops import Head, Residual, Stem
from skbuilder.blocks.ops.bam import BAM
from skbuilder.blocks.params import BlockParams
from skbuilder.blocks.registry import block_kinds, get_block, unknown_block_message
from skbuilder.blocks.settings import (
    Attention,
    AttentionSpec,
    BAMSpec,
    Settings,
    SKSpec,
    StemPool,
)
from skbuilder.spec.errors import VISIBLE_TEXT
from skbuilder.spec.limits import MAX_IMAGE_SIZE

Width = Annotated[int, Field(ge=1, le=65536)]
#: G of a plain block's grouped 3x3 conv: the cardinality of ResNeXt (32 in 32x4d).
Groups = Annotated[
    int,
    Field(
        ge=1,
        le=65536,
        description="groups G of a plain (non-SK) block's grouped 3x3 conv, ResNeXt's "
        "cardinality (32 in 32x4d); an SK conv's groups are sk.G (default 1)",
    ),
]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]

_Model = Settings


def _exact_int(value: Any) -> Any:
    """A literal matches by equality, so ``2.0`` and ``true`` would pass as 2 and 1."""
    if type(value) is not int:
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Stride = Annotated[Literal[1, 2], BeforeValidator(_exact_int)]


class InputSpec(_Model):
    """The images the network takes."""

    channels: int = Field(3, ge=1, le=4096, description="input channels (3 for RGB)")
    image_size: int = Field(
        224,
        ge=1,
        le=MAX_IMAGE_SIZE,
        description="default square input size for summaries and diagrams",
    )


def _even_deep_stem(schema: dict[str, Any]) -> None:
    """The deep stem's even width (checked with the cross-field rules) in the JSON Schema."""
    schema["if"] = {"required": ["kind"], "properties": {"kind": {"const": "deep"}}}
    schema["then"] = {"properties": {"width": {"multipleOf": 2}}}


def _pool_form(value: Any) -> str:
    """A mapping is a window; anything else must be a flag (one error, not one per form)."""
    return "window" if isinstance(value, dict | StemPool) else "flag"


PoolSetting = Annotated[
    Annotated[bool, Tag("flag")] | Annotated[StemPool, Tag("window")],
    Discriminator(_pool_form),
]


class StemSpec(_Model):
    """``classic``: one 7x7 conv (the paper's); ``deep``: three 3x3 convs (ResNet-D);
    ``conv3x3``: one 3x3 conv (CIFAR, ShuffleNet). The first conv takes ``stride``; each conv is
    followed by BN+ReLU and, if ``pool``, the stem ends with a max-pool: ``true`` is the 3x3/2
    window with padding 1 (torchvision's, timm's), a mapping sets the window (the released Caffe
    models: ``{padding: 0, ceil_mode: true}``)."""

    model_config = ConfigDict(json_schema_extra=_even_deep_stem)

    kind: Literal["classic", "deep", "conv3x3"] = "classic"
    width: Width = Field(64, description="output channels of the stem")
    stride: Stride = Field(2, description="stride of the stem's first conv")
    pool: PoolSetting = Field(
        True,
        description="max-pool after the convs: true (3x3, stride 2, padding 1), false, or its "
        "window as {kernel, stride, padding, ceil_mode}",
    )

    @property
    def window(self) -> StemPool | None:
        """The max-pool's window, or None without one."""
        return self.op(3).window

    def op(self, channels: int) -> Stem:
        """The stem, described, for ``channels`` input channels."""
        return Stem(channels, self.width, self.kind, self.pool, self.stride)


class StageSpec(_Model):
    """``depth`` blocks of one kind; the first takes the stride and changes the width."""

    name: Identifier | None = Field(None, description="stage name (default stage1, stage2, ...)")
    depth: int = Field(ge=1, le=1024, description="number of blocks")
    mid_width: Width | None = Field(
        None, description="width inside the block (bottleneck width); default out_width"
    )
    out_width: Width = Field(description="output channels of every block of the stage")
    stride: Stride = Field(description="stride of the stage's first block")
    block: str = Field(
        "sk_bottleneck",
        description="registered block kind: built in, or added by a plugin (so the JSON Schema "
        "takes any name)",
    )
    sk: SKSpec | None = Field(None, description="overrides of the network's SK parameters")
    groups: Groups | None = None
    attention: Attention | None = Field(
        None,
        description="sk, se, cbam or none, or a mapping with its settings (default: the "
        "network's, else the block kind's own)",
    )
    bam: BAMSpec | None = Field(None, description="a BAM module after the stage's blocks")

    @field_validator("block")
    @classmethod
    def _known_block(cls, kind: str) -> str:
        try:
            get_block(kind)
        except KeyError:
            raise PydanticCustomError(
                "unknown_block", "{message}", {"message": unknown_block_message(kind)}
            ) from None
        return kind

    @property
    def width(self) -> int:
        """The middle width actually used."""
        return self.mid_width if self.mid_width is not None else self.out_width


class HeadSpec(_Model):
    """Optional 1x1 conv (+ BN, ReLU), global average pool, dropout, linear classifier."""

    num_classes: int = Field(1000, ge=0, le=1_000_000, description="0: no classifier")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout before the classifier")
    conv: Width | None = Field(
        None, description="width of a 1x1 conv + BN + ReLU before the pool (ShuffleNet's conv5)"
    )


@dataclass(frozen=True)
class BlockPlan:
    """One block to build: where it sits and what it is given."""

    stage: int
    index: int
    kind: str
    w_in: int
    w_out: int
    stride: int
    params: BlockParams


class NetworkSpec(_Model):
    """A whole network: input, stem, SK defaults, stages, head."""

    name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=128,
            pattern=VISIBLE_TEXT,
            description="network name; printed and used in file names, so no control characters",
        ),
    ]
    description: str | None = Field(None, max_length=4096)
    input: InputSpec = InputSpec()
    stem: StemSpec = StemSpec()
    sk: SKSpec = SKSpec()
    groups: Groups | None = None
    attention: Attention | None = Field(
        None, description="every stage's attention unless it names its own (default: per kind)"
    )
    stages: list[StageSpec] = Field(min_length=1, max_length=64)
    head: HeadSpec = HeadSpec()
    zero_init_last: bool = Field(
        False, description="start each residual branch's last BN at zero (identity blocks)"
    )

    # -- derived views -------------------------------------------------------------------
    def stage_names(self) -> list[str]:
        return [s.name or f"stage{i + 1}" for i, s in enumerate(self.stages)]

    def stage_sk(self, i: int) -> SKSpec:
        """Stage ``i``'s SK parameters: the network's, overridden by the stage's."""
        return self.sk.overridden_by(self.stages[i].sk)

    def stage_attention(self, i: int) -> AttentionSpec | None:
        """Stage ``i``'s attention: its own, else the network's (None: the kind's default)."""
        return self.stages[i].attention or self.attention

    def stage_groups(self, i: int) -> int:
        """Stage ``i``'s groups for plain grouped convs: its own, else the network's."""
        given = self.stages[i].groups or self.groups
        return given if given is not None else BlockParams.groups

    def block_params(self, i: int) -> BlockParams:
        return BlockParams(
            w_mid=self.stages[i].width,
            sk=self.stage_sk(i),
            attention=self.stage_attention(i),
            groups=self.stage_groups(i),
        )

    def stem_op(self) -> Stem:
        """The stem, described."""
        return self.stem.op(self.input.channels)

    def head_op(self) -> Head:
        """The classifier head, described."""
        head = self.head
        return Head(self.stages[-1].out_width, head.num_classes, head.dropout, head.conv)

    def bam_op(self, i: int) -> BAM | None:
        """The BAM module after stage ``i``, if it has one."""
        bam = self.stages[i].bam
        return None if bam is None else BAM(self.stages[i].out_width, bam.r, bam.dilation)

    def stage_inputs(self) -> list[int]:
        """Input width of each stage."""
        widths = [self.stem.width]
        widths += [s.out_width for s in self.stages[:-1]]
        return widths

    def plan(self) -> Iterator[BlockPlan]:
        """Every block of the network, in order, with its arguments."""
        for i, (stage, w_in) in enumerate(zip(self.stages, self.stage_inputs())):
            params = self.block_params(i)
            for j in range(stage.depth):
                yield BlockPlan(
                    stage=i,
                    index=j,
                    kind=stage.block,
                    w_in=w_in if j == 0 else stage.out_width,
                    w_out=stage.out_width,
                    stride=stage.stride if j == 0 else 1,
                    params=params,
                )

    # -- cross-field rules ---------------------------------------------------------------
    @model_validator(mode="after")
    def _cross_field_rules(self) -> NetworkSpec:
        violations = self.rule_violations()
        if violations:
            raise PydanticCustomError(
                "spec_rules",
                "{summary}",
                {
                    "summary": "; ".join(f"{v['loc']}: {v['msg']}" for v in violations),
                    "violations": violations,
                },
            )
        return self

    def rule_violations(self, image_size: int | None = None) -> list[dict[str, Any]]:
        """Violations of the rules that relate fields, each ``{loc, msg, hint}`` with ``loc`` a
        tuple path into the spec. ``image_size`` defaults to the spec's input size."""
        out: list[dict[str, Any]] = []

        def add(loc: tuple[str | int, ...], msg: str, hint: str | None = None) -> None:
            entry = {"loc": loc, "msg": msg, "hint": hint}
            if entry not in out:
                out.append(entry)

        seen: dict[str, int] = {}
        for i, name in enumerate(self.stage_names()):
            if name in seen:
                add(
                    ("stages", i, "name"),
                    f"stage name {name!r} is already used by stages.{seen[name]}",
                )
            seen.setdefault(name, i)

        if self.stem.kind == "deep" and self.stem.width % 2:
            add(
                ("stem", "width"),
                f"a deep stem needs an even width, got {self.stem.width}",
                f"nearest valid widths: {self.stem.width - 1}, {self.stem.width + 1}",
            )

        for plan in self.plan():
            if plan.index > 1:
                continue  # blocks after the second see the same widths
            kind = get_block(plan.kind)
            for v in kind.check(plan.w_in, plan.w_out, plan.stride, plan.params):
                add(("stages", plan.stage, *v.field.split(".")), v.message, v.hint)

        self._unused_settings(add)
        self._spatial_rules(image_size or self.input.image_size, add)
        return out

    def _given_settings(self, stage: StageSpec | None) -> list[str]:
        """The settings a stage (or, for None, the network) writes: ``groups``, ``sk.<field>``."""
        owner: NetworkSpec | StageSpec = self if stage is None else stage
        given = ["groups"] if owner.groups is not None else []
        sk = owner.sk
        if sk is not None and "sk" in owner.model_fields_set:
            given += [f"sk.{name}" for name in sorted(sk.model_fields_set)] or ["sk"]
        return given

    def _unused_settings(self, add: Any) -> None:
        """Refuse a setting that no block it reaches reads (``sk`` on a plain stage, ``sk.G``
        on a depthwise SK conv, ``groups`` on an SK block), and ``zero_init_last`` where no
        block has a residual branch: a setting that changes nothing is a mistake."""
        unused = [
            get_block(s.block).unused(self.block_params(i)) for i, s in enumerate(self.stages)
        ]

        def why_unused(i: int, setting: str) -> str | None:
            found = unused[i]
            return found.get(setting) or (found.get("sk") if setting.startswith("sk") else None)

        for i, stage in enumerate(self.stages):
            for setting in self._given_settings(stage):
                why = why_unused(i, setting)
                if why is not None:
                    add(("stages", i, *setting.split(".")), f"{setting} has no effect here: {why}")
        for setting in self._given_settings(None):
            # a stage that writes its own value overrides the network's, as intended; a value
            # that no stage's blocks read at all is a mistake
            reasons = [why_unused(i, setting) for i in range(len(self.stages))]
            if all(reasons):
                add(tuple(setting.split(".")), f"{setting} has no effect: {reasons[0]}")
        if self.zero_init_last and not self.has_residual():
            add(("zero_init_last",), "zero_init_last has no effect: no block has a residual branch")

    def has_residual(self) -> bool:
        """Whether some block has a residual branch (what ``zero_init_last`` acts on)."""
        return any(
            isinstance(op, Residual)
            for plan in self.plan()
            if plan.index == 0
            for op in walk_ops(
                get_block(plan.kind).layout(plan.w_in, plan.w_out, plan.stride, plan.params)
            )
        )

    def input_size_problem(self, image_size: int) -> str | None:
        """Why the network cannot take a ``image_size`` square input (``message; hint``), or
        None when it can."""
        problems = self.rule_violations(image_size=image_size)
        if not problems:
            return None
        first = problems[0]
        return first["msg"] + (f"; {first['hint']}" if first["hint"] else "")

    def _spatial_rules(self, image_size: int, add: Any) -> None:
        """Every stride-2 layer must receive at least 2x2 and every layer must leave at least
        1x1; past that a stage only pads."""
        size = image_size
        for step in self.resizings():
            if (step.downsamples and size < 2) or step.out_size(size) < 1:
                need = self.min_image_size()
                what = "downsamples" if step.downsamples else "pools"
                add(
                    step.loc,
                    f"{step.what} {what} a {size}x{size} map at image_size {image_size}: "
                    "the spatial size has collapsed",
                    f"the smallest input this network takes is {need}x{need}",
                )
                return
            size = step.out_size(size)

    def resizings(self) -> list[Resizing]:
        """Every layer that changes the spatial size, in order, with its size rule."""
        steps: list[Resizing] = []
        if self.stem.stride == 2:
            steps.append(Resizing(("stem", "stride"), "the stem conv", True, _halved))
        window = self.stem.window
        if window is not None:
            steps.append(
                Resizing(("stem", "pool"), "the stem max-pool", window.stride == 2, window.out_size)
            )
        names = self.stage_names()
        steps += [
            Resizing(("stages", i, "stride"), f"stage {names[i]}", True, _halved)
            for i, s in enumerate(self.stages)
            if s.stride == 2
        ]
        return steps

    def downsamplings(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(spec path, description) of every stride-2 layer, in order."""
        return [(step.loc, step.what) for step in self.resizings() if step.downsamples]

    def min_image_size(self) -> int:
        """Smallest square input for which every stride-2 layer receives at least 2x2 and every
        layer leaves at least 1x1 (each size rule is monotonic: walked back from the end)."""
        need = 1
        for step in reversed(self.resizings()):
            low, high = 1, 4 * need + 64  # out_size(high) >= need for any window allowed
            while low < high:
                mid = (low + high) // 2
                if step.out_size(mid) >= need:
                    high = mid
                else:
                    low = mid + 1
            need = max(low, 2) if step.downsamples else low
        return need


@dataclass(frozen=True)
class Resizing:
    """A layer that changes the spatial size: where the spec sets it, what it is, whether it
    downsamples (stride 2), and its output length for an input length."""

    loc: tuple[str | int, ...]
    what: str
    downsamples: bool
    out_size: Callable[[int], int]


def _halved(size: int) -> int:
    """A stride-2 conv padded to keep the size at stride 1 (every one here): ceil(size / 2)."""
    return conv_out_size(size, 3, 2, 1)


def known_block_kinds() -> list[str]:
    """Kinds a spec may name now (the registry may grow at run time)."""
    return block_kinds()
