"""Settings of the parts of a block, each a typed, frozen model with its defaults stated once.

The spec validates them, the analytic cost and the diagrams read them, and the modules take them
as they are: ``SKConv(w_in, w_out, stride=2, sk=SKSpec(M=2, G=32))``. Models are strict, so
YAML 1.1 surprises (``no`` -> False, ``"1e-3"`` as a string) never pass as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator
from pydantic_core import PydanticCustomError

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


Kernels = Annotated[tuple[StrictInt, ...], Field(strict=False, min_length=1, max_length=16)]


class SKSpec(Settings):
    """SK parameters in the paper's names. Give ``M`` (branches with kernels 3, 5, 7, ...) or an
    explicit ``kernels`` list; ``M`` follows from ``kernels`` when only they are given."""

    M: int = Field(DEFAULT_M, ge=1, le=16, description="number of branches")
    kernels: Kernels | None = Field(None, description="odd kernel size of each branch")
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

    @model_validator(mode="before")
    @classmethod
    def _m_from_kernels(cls, data: Any) -> Any:
        """``M`` left out (or null) follows from ``kernels`` when they are given."""
        if not isinstance(data, dict) or data.get("M") is not None:
            return data
        data = {k: v for k, v in data.items() if k != "M"}
        if isinstance(data.get("kernels"), list | tuple):
            data["M"] = len(data["kernels"])
        return data

    @field_validator("kernels")
    @classmethod
    def _odd_kernels(cls, kernels: tuple[int, ...] | None) -> tuple[int, ...] | None:
        for k in kernels or ():
            if k < 1 or k % 2 == 0 or k > 31:
                raise PydanticCustomError(
                    "odd_kernel", "kernel sizes must be odd, between 1 and 31; got {k}", {"k": k}
                )
        return kernels

    @model_validator(mode="after")
    def _m_matches_kernels(self) -> SKSpec:
        if self.kernels is not None and len(self.kernels) != self.M:
            raise PydanticCustomError(
                "m_kernels_mismatch",
                "M={M} but {n} kernels are given; give one of M or kernels",
                {"M": self.M, "n": len(self.kernels)},
            )
        return self

    # -- what the settings mean ------------------------------------------------------------
    @property
    def kernel_sizes(self) -> tuple[int, ...]:
        """The field each branch is meant to see, as written (3, 5, 7, ...)."""
        return self.kernels if self.kernels is not None else default_kernels(self.M)

    def split_convs(self) -> tuple[BranchConv, ...]:
        """The conv of each branch of the split. With ``dilate`` a kxk kernel (k >= 3) is a 3x3
        with dilation (k-1)/2, as in the paper's official code: the same field, a third of the
        cost of a 5x5."""
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

    def overridden_by(self, override: SKSpec | None) -> SKSpec:
        """These settings with the fields that ``override`` sets explicitly replaced."""
        if override is None:
            return self
        data = self.model_dump()
        for name in override.model_fields_set:
            data[name] = getattr(override, name)
        if "M" in override.model_fields_set and "kernels" not in override.model_fields_set:
            data["kernels"] = None
        return SKSpec.model_validate(data)
