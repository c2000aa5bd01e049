"""The network spec: one validated, frozen description of an SK network.

Field rules live on the fields; rules that relate fields (widths vs. groups, spatial size vs.
strides, unique names) live in ``NetworkSpec``'s validator, which reports every violation at the
path of the field to change. All models are strict: YAML 1.1 surprises (``no`` -> False,
``"1e-3"`` as a string) never pass as numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from skbuilder.blocks import BlockParams, SKSettings, get_block
from skbuilder.blocks.registry import block_kinds, unknown_block_message
from skbuilder.complexity import conv_out_size
from skbuilder.sk_geometry import default_kernels

Width = Annotated[int, Field(ge=1, le=65536)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
#: The network's name is echoed to terminals and used in file names: no control characters
#: (escape sequences), line breaks, or invisible format characters (bidi overrides, zero widths).
VISIBLE_TEXT = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InputSpec(_Model):
    """The images the network takes."""

    channels: int = Field(3, ge=1, le=4096, description="input channels (3 for RGB)")
    image_size: int = Field(
        224, ge=1, le=8192, description="default square input size for summaries and diagrams"
    )


class StemSpec(_Model):
    """``classic``: 7x7/2 conv (the paper's); ``deep``: three 3x3 convs, the first /2 (ResNet-D).
    Either is followed by BN+ReLU per conv and, if ``pool``, a 3x3/2 max-pool."""

    kind: Literal["classic", "deep"] = "classic"
    width: Width = Field(64, description="output channels of the stem")
    pool: bool = Field(True, description="3x3 stride-2 max-pool after the convs")


class SKSpec(_Model):
    """SK parameters in the paper's names. Give ``M`` (branches with kernels 3, 5, 7, ...) or an
    explicit ``kernels`` list, not both unless they agree."""

    M: int | None = Field(None, ge=1, le=16, description="number of branches (default 2)")
    kernels: list[int] | None = Field(
        None, min_length=1, max_length=16, description="odd kernel size of each branch"
    )
    G: int = Field(1, ge=1, le=65536, description="groups of each branch conv (cardinality)")
    r: int = Field(16, ge=1, le=65536, description="reduction ratio: d = max(C/r, L)")
    L: int = Field(32, ge=1, le=65536, description="minimum width d of the attention vector z")
    dilate: bool = Field(
        True, description="large kernels as dilated 3x3 (5x5 -> 3x3, dilation 2), as the paper"
    )
    split_input: bool = Field(
        False, description="each branch sees 1/M of the input channels (timm's SK-ResNet)"
    )

    @field_validator("kernels")
    @classmethod
    def _odd_kernels(cls, kernels: list[int] | None) -> list[int] | None:
        for k in kernels or ():
            if k < 1 or k % 2 == 0 or k > 31:
                raise PydanticCustomError(
                    "odd_kernel", "kernel sizes must be odd, between 1 and 31; got {k}", {"k": k}
                )
        return kernels

    @model_validator(mode="after")
    def _m_matches_kernels(self) -> SKSpec:
        if self.M is not None and self.kernels is not None and len(self.kernels) != self.M:
            raise PydanticCustomError(
                "m_kernels_mismatch",
                "M={M} but {n} kernels are given; give one of M or kernels",
                {"M": self.M, "n": len(self.kernels)},
            )
        return self

    @property
    def kernel_sizes(self) -> tuple[int, ...]:
        if self.kernels is not None:
            return tuple(self.kernels)
        return default_kernels(self.M if self.M is not None else 2)

    def overridden_by(self, override: SKSpec | None) -> SKSpec:
        """These settings with the fields that ``override`` sets explicitly replaced."""
        if override is None:
            return self
        data = self.model_dump()
        for name in override.model_fields_set:
            data[name] = getattr(override, name)
        if "kernels" in override.model_fields_set and "M" not in override.model_fields_set:
            data["M"] = None
        if "M" in override.model_fields_set and "kernels" not in override.model_fields_set:
            data["kernels"] = None
        return SKSpec.model_validate(data)

    def settings(self) -> SKSettings:
        return SKSettings(
            kernels=self.kernel_sizes,
            G=self.G,
            r=self.r,
            L=self.L,
            dilate=self.dilate,
            split_input=self.split_input,
        )


class StageSpec(_Model):
    """``depth`` blocks of one kind; the first takes the stride and changes the width."""

    name: Identifier | None = Field(None, description="stage name (default stage1, stage2, ...)")
    depth: int = Field(ge=1, le=1024, description="number of blocks")
    mid_width: Width | None = Field(
        None, description="width inside the block (bottleneck width); default out_width"
    )
    out_width: Width = Field(description="output channels of every block of the stage")
    stride: Literal[1, 2] = Field(description="stride of the stage's first block")
    block: str = Field("sk_bottleneck", description="registered block kind")
    sk: SKSpec | None = Field(None, description="overrides of the network's SK parameters")

    @field_validator("stride", mode="before")
    @classmethod
    def _integer_stride(cls, stride: Any) -> Any:
        """A literal matches by equality, so ``2.0`` and ``true`` would pass as 2 and 1."""
        if type(stride) is not int:
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return stride

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
    """Global average pool, dropout, linear classifier."""

    num_classes: int = Field(1000, ge=0, le=1_000_000, description="0: no classifier")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="dropout before the classifier")


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

    def block_params(self, i: int) -> BlockParams:
        return BlockParams(w_mid=self.stages[i].width, sk=self.stage_sk(i).settings())

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
            cls = get_block(plan.kind)
            for v in cls.check(plan.w_in, plan.w_out, plan.stride, plan.params):
                add(("stages", plan.stage, *v.field.split(".")), v.message, v.hint)

        self._spatial_rules(image_size or self.input.image_size, add)
        return out

    def input_size_problem(self, image_size: int) -> str | None:
        """Why the network cannot take a ``image_size`` square input (``message; hint``), or
        None when it can."""
        problems = self.rule_violations(image_size=image_size)
        if not problems:
            return None
        first = problems[0]
        return first["msg"] + (f"; {first['hint']}" if first["hint"] else "")

    def _spatial_rules(self, image_size: int, add: Any) -> None:
        """Every stride-2 layer must receive at least 2x2; past that a stage only pads."""
        size = image_size
        for loc, what in self.downsamplings():
            if size < 2:
                need = self.min_image_size()
                add(
                    loc,
                    f"{what} downsamples a {size}x{size} map at image_size {image_size}: "
                    "the spatial size has collapsed",
                    f"the smallest input this network takes is {need}x{need}",
                )
                return
            size = conv_out_size(size, 3, 2, 1)  # every stride-2 op here halves, rounding up

    def downsamplings(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(spec path, description) of every stride-2 layer, in order."""
        ops: list[tuple[tuple[str | int, ...], str]] = [(("stem", "kind"), "the stem conv")]
        if self.stem.pool:
            ops.append((("stem", "pool"), "the stem max-pool"))
        names = self.stage_names()
        ops += [
            (("stages", i, "stride"), f"stage {names[i]}")
            for i, s in enumerate(self.stages)
            if s.stride == 2
        ]
        return ops

    def min_image_size(self) -> int:
        """Smallest square input for which every stride-2 layer receives at least 2x2."""
        return 2 ** (len(self.downsamplings()) - 1) + 1


def known_block_kinds() -> list[str]:
    """Kinds a spec may name now (the registry may grow at run time)."""
    return block_kinds()
