"""Settings of the parts of a block, each a typed, frozen model with its defaults stated once.

The spec validates them, the analytic cost and the diagrams read them, and the modules take them
as they are: ``SKConv(w_in, w_out, stride=2, sk=SKSpec(M=2, G=32))``. Models are strict, so
YAML 1.1 surprises (``no`` -> False, ``"1e-3"`` as a string) never pass as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from skbuilder.plugins import prime_pydantic

# pydantic scans the installed packages for its own plugins at the first model: run that scan
# now, guarded, so that a broken package or plugin is a warning rather than a crash.
prime_pydantic()

#: M when neither ``M`` nor ``kernels`` is given: the paper's two branches (3x3 and "5x5").
DEFAULT_M = 2


class Settings(BaseModel):
    """Base of every settings model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


@dataclass(frozen=True)
class BranchConv:
    """The convolution of one SK branch, resolved: kernel, dilation and groups."""

    kernel: int
    dilation: int
    groups: int

    @property
    def field(self) -> int:
        """Receptive field of the branch: a 3x3 with dilation 2 sees 5x5."""
        return self.dilation * (self.kernel - 1) + 1


def default_kernels(M: int) -> tuple[int, ...]:
    """Branch m (1-based) of the paper sees a (2m+1)x(2m+1) field: 3, 5, 7, ..."""
    return tuple(2 * m + 1 for m in range(1, M + 1))


#: A list of 1 to MAX_M items (counted after its items validate, so a bad item is one error).
MAX_M = 16
#: The same count in the JSON Schema, where it is a bound on the list.
_BRANCH_COUNT: dict[str, Any] = {"minItems": 1, "maxItems": MAX_M}
MAX_KERNEL = 31
#: ``_check_odd`` in the JSON Schema, so that an editor underlines an even kernel too.
ODD_KERNEL: dict[str, Any] = {"minimum": 1, "maximum": MAX_KERNEL, "not": {"multipleOf": 2}}
Kernels = Annotated[
    tuple[Annotated[StrictInt, WithJsonSchema({"type": "integer", **ODD_KERNEL})], ...],
    Field(strict=False, json_schema_extra=_BRANCH_COUNT),
]


def _check_odd(k: int) -> int:
    if k < 1 or k % 2 == 0 or k > MAX_KERNEL:
        raise PydanticCustomError(
            "odd_kernel",
            "kernel sizes must be odd, between 1 and {max}; got {k}",
            {"k": k, "max": MAX_KERNEL},
        )
    return k


class BranchSpec(Settings):
    """One branch of the split written out: its kernel, dilation and groups."""

    kernel: int = Field(3, description="odd kernel size", json_schema_extra=ODD_KERNEL)
    dilation: int = Field(1, ge=1, le=16, description="dilation of the kernel")
    groups: int | None = Field(None, ge=1, le=65536, description="groups (default: G)")

    @field_validator("kernel")
    @classmethod
    def _odd_kernel(cls, kernel: int) -> int:
        return _check_odd(kernel)


def _sk_json_schema(schema: dict[str, Any]) -> None:
    """SKSpec's own validators in the JSON Schema: ``M: null`` is M left out, M equals the
    length of the list given, and the branches come as one list, not both."""
    m = schema["properties"]["M"]
    number = {key: m.pop(key) for key in ("type", "minimum", "maximum")}
    m["anyOf"] = [number, {"type": "null"}]
    both = {"kernels": {"type": "array"}, "branches": {"type": "array"}}
    schema["allOf"] = [
        {"not": {"required": list(both), "properties": both}},
        *(
            {
                "if": {"required": ["M"], "properties": {"M": {"const": n}}},
                "then": {"properties": {k: {"minItems": n, "maxItems": n} for k in both}},
            }
            for n in range(1, MAX_M + 1)
        ),
    ]


class SKSpec(Settings):
    """SK parameters in the paper's names. Give ``M`` (branches with kernels 3, 5, 7, ...), an
    explicit ``kernels`` list, or each branch written out under ``branches``; ``M`` follows from
    the list when only it is given."""

    model_config = ConfigDict(json_schema_extra=_sk_json_schema)

    M: int = Field(DEFAULT_M, ge=1, le=MAX_M, description="number of branches")
    kernels: Kernels | None = Field(None, description="odd kernel size of each branch")
    branches: (
        Annotated[tuple[BranchSpec, ...], Field(strict=False, json_schema_extra=_BRANCH_COUNT)]
        | None
    ) = Field(None, description="each branch's kernel, dilation and groups (instead of kernels)")
    G: int = Field(1, ge=1, le=65536, description="groups of each branch conv (cardinality)")
    r: int = Field(16, ge=1, le=65536, description="reduction ratio: d = max(C/r, L)")
    L: int = Field(32, ge=1, le=65536, description="minimum width d of the attention vector z")
    dilate: bool = Field(
        True, description="large kernels as dilated 3x3 (5x5 -> 3x3, dilation 2), as the paper"
    )
    split_input: bool = Field(
        False, description="each branch sees 1/M of the input channels (timm's SK-ResNet)"
    )
    select: Literal["softmax", "sum"] = Field(
        "softmax",
        description="softmax: the paper's attention over the branches; sum: add them (no fuse or "
        "select layers)",
    )
    branch_act: bool = Field(
        True,
        description="a ReLU after each branch's BN, as the paper's split; false leaves the "
        "branches linear, as the depthwise 3x3 of a plain ShuffleNetV2 unit",
    )

    @model_validator(mode="before")
    @classmethod
    def _m_from_kernels(cls, data: Any) -> Any:
        """``M`` left out (or null) follows from ``kernels`` when they are given."""
        if not isinstance(data, dict) or data.get("M") is not None:
            return data
        data = {k: v for k, v in data.items() if k != "M"}
        for listed in ("kernels", "branches"):
            if isinstance(data.get(listed), list | tuple):
                data["M"] = len(data[listed])
        return data

    @field_validator("kernels")
    @classmethod
    def _odd_kernels(cls, kernels: tuple[int, ...] | None) -> tuple[int, ...] | None:
        for k in kernels or ():
            _check_odd(k)
        return kernels

    @field_validator("kernels", "branches")
    @classmethod
    def _one_to_max_m(cls, listed: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if listed is not None and not 1 <= len(listed) <= MAX_M:
            raise PydanticCustomError(
                "branch_count",
                "needs 1 to {max} branches, got {n}",
                {"max": MAX_M, "n": len(listed)},
            )
        return listed

    @model_validator(mode="after")
    def _m_matches_the_list(self) -> SKSpec:
        if self.kernels is not None and self.branches is not None:
            raise PydanticCustomError(
                "kernels_and_branches",
                "give the branches either as kernels or written out under branches, not both",
            )
        listed = self.kernels if self.kernels is not None else self.branches
        if listed is not None and len(listed) != self.M:
            what = "kernels" if self.kernels is not None else "branches"
            raise PydanticCustomError(
                "m_kernels_mismatch",
                "M={M} but {n} {what} are given; give one of M or {what}",
                {"M": self.M, "n": len(listed), "what": what},
            )
        return self

    # -- what the settings mean ------------------------------------------------------------
    @property
    def kernel_sizes(self) -> tuple[int, ...]:
        """The field each branch sees (3, 5, 7, ...)."""
        if self.branches is not None:
            return tuple(b.field for b in self.split_convs())
        return self.kernels if self.kernels is not None else default_kernels(self.M)

    def split_convs(self) -> tuple[BranchConv, ...]:
        """The conv of each branch of the split. Written-out branches are taken as they are;
        otherwise, with ``dilate`` a kxk kernel (k >= 3) is a 3x3 with dilation (k-1)/2, as in
        the paper's official code: the same field, a third of the cost of a 5x5."""
        if self.branches is not None:
            return tuple(
                BranchConv(b.kernel, b.dilation, b.groups or self.G) for b in self.branches
            )
        out = []
        for k in self.kernel_sizes:
            kernel, dilation = (3, (k - 1) // 2) if self.dilate and k >= 3 else (k, 1)
            out.append(BranchConv(kernel, dilation, self.G))
        return tuple(out)

    @property
    def attends(self) -> bool:
        """Whether the branches are selected by attention (softmax, more than one branch)."""
        return self.M > 1 and self.select == "softmax"

    def branch_width(self, w_in: int) -> int:
        """Input channels of each branch: all of them, or a 1/M slice with ``split_input``."""
        return w_in // self.M if self.split_input else w_in

    def d(self, C: int) -> int:
        """d = max(C/r, L): width of the compact feature z in the fuse step."""
        return max(C // self.r, self.L)

    def depthwise(self, channels: int) -> SKSpec:
        """These settings with every branch conv depthwise (groups = ``channels``); each branch
        sees every channel, so ``split_input`` does not apply."""
        data = self.model_dump()
        data["G"], data["split_input"] = channels, False
        if self.branches is not None:
            data["branches"] = [{**b.model_dump(), "groups": None} for b in self.branches]
        return SKSpec.model_validate(data)

    def overridden_by(self, override: SKSpec | None) -> SKSpec:
        """These settings with the fields that ``override`` sets explicitly replaced."""
        if override is None:
            return self
        data = self.model_dump()
        for name in override.model_fields_set:
            data[name] = getattr(override, name)
        listed = {"kernels", "branches"} & override.model_fields_set
        if listed or "M" in override.model_fields_set:  # the override's list replaces ours
            for name in {"kernels", "branches"} - listed:
                data[name] = None
        return SKSpec.model_validate(data)


# -- attention -----------------------------------------------------------------------------


class SKAttention(Settings):
    """The paper's attention: the block's spatial conv is an SK conv (settings under ``sk:``)."""

    kind: Literal["sk"] = "sk"


class SEAttention(Settings):
    """Squeeze-and-excitation on the block's output: x * sigmoid(W2 ReLU(W1 GAP(x)))."""

    kind: Literal["se"] = "se"
    r: int = Field(16, ge=1, le=65536, description="reduction: hidden width max(C/r, 1)")


class CBAMAttention(Settings):
    """CBAM on the block's output: a channel gate (shared MLP on average and max pools), then a
    spatial gate (a k x k conv over the channel-wise max and mean)."""

    kind: Literal["cbam"] = "cbam"
    r: int = Field(16, ge=1, le=65536, description="reduction of the channel MLP")
    kernel: int = Field(
        7, description="odd kernel size of the spatial gate's conv", json_schema_extra=ODD_KERNEL
    )

    @field_validator("kernel")
    @classmethod
    def _odd_kernel(cls, kernel: int) -> int:
        return _check_odd(kernel)


class NoAttention(Settings):
    """No attention: a plain block."""

    kind: Literal["none"] = "none"


AttentionSpec = SKAttention | SEAttention | CBAMAttention | NoAttention
#: The kinds of attention by name.
ATTENTION_KINDS: dict[str, type[AttentionSpec]] = {
    "sk": SKAttention,
    "se": SEAttention,
    "cbam": CBAMAttention,
    "none": NoAttention,
}


def attention_from_name(value: Any) -> Any:
    """``se`` is short for ``{kind: se}`` (every setting at its default)."""
    return {"kind": value} if isinstance(value, str) else value


_AttentionMapping = Annotated[
    SKAttention | SEAttention | CBAMAttention | NoAttention, Field(discriminator="kind")
]
#: What ``attention:`` takes: a mapping, or a kind's name alone (``Literal`` of the names, so
#: the JSON Schema lists them).
Attention = Annotated[
    _AttentionMapping,
    BeforeValidator(
        attention_from_name,
        json_schema_input_type=Literal.__getitem__(tuple(ATTENTION_KINDS)) | _AttentionMapping,
    ),
]


class BAMSpec(Settings):
    """A bottleneck attention module after a stage: x * (1 + sigmoid(Mc(x) + Ms(x))), Mc a
    channel MLP, Ms a spatial branch of two dilated 3x3 convs."""

    r: int = Field(16, ge=1, le=65536, description="reduction: hidden width max(C/r, 1)")
    dilation: int = Field(4, ge=1, le=64, description="dilation of the spatial branch's convs")


# -- stem ----------------------------------------------------------------------------------


class StemPool(Settings):
    """The stem's max-pool window. The defaults are the 3x3, stride 2, padding 1 window that
    rounds down (torchvision's and timm's ResNets); Caffe's pooling pads as told and always
    rounds up, so the released Caffe models are ``padding: 0, ceil_mode: true``."""

    kernel: int = Field(3, ge=1, le=15, description="window size")
    stride: int = Field(2, ge=1, le=2, description="stride of the window")
    padding: int = Field(1, ge=0, le=7, description="implicit padding (at most kernel // 2)")
    ceil_mode: bool = Field(
        False, description="round the output size up (Caffe's pooling), not down"
    )

    @model_validator(mode="after")
    def _padding_within_half_the_window(self) -> StemPool:
        if self.padding > self.kernel // 2:
            raise PydanticCustomError(
                "pool_padding",
                "padding {padding} is more than half the {kernel}x{kernel} window (at most {most})",
                {"padding": self.padding, "kernel": self.kernel, "most": self.kernel // 2},
            )
        return self

    def out_size(self, size: int) -> int:
        """Output length along one axis for an input of ``size`` (PyTorch's pooling rule: in
        ceil mode the last window must start inside the input or its left padding)."""
        span = size + 2 * self.padding - self.kernel
        out = (span + (self.stride - 1 if self.ceil_mode else 0)) // self.stride + 1
        if self.ceil_mode and (out - 1) * self.stride >= size + self.padding:
            out -= 1
        return out

    @property
    def is_default(self) -> bool:
        return self == StemPool()
