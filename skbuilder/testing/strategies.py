"""Hypothesis strategies for SK parameters, block arguments, whole network specs and inputs.

Everything is drawn within a size budget (few stages, narrow widths, small images) so a property
runs in milliseconds on a CPU. Network specs are made as plain data and validated by the real
schema (``spec_from_dict``); widths are drawn as multiples of what each stage's SK settings
require (G divides the widths, M divides split inputs) and strides are capped so the spatial
size never collapses, so every spec from the built-in block kinds is valid by construction.
A user's block kind with rules of its own is supported too: drawings its ``check`` refuses are
rejected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from hypothesis import reject
from hypothesis import strategies as st
from torch import Tensor

from skbuilder.blocks import BlockKind, BlockParams, SKSpec, describe
from skbuilder.spec import NetworkSpec, SpecError, spec_from_dict
from skbuilder.spec.schema import StageSpec

BUILTIN_KINDS: tuple[str, ...] = ("sk_bottleneck", "sk_basic", "bottleneck", "basic")
SMALL_KERNELS: tuple[int, ...] = (1, 3, 5, 7)

BlockArgs = tuple[int, int, int, BlockParams]


# -- SK parameters ------------------------------------------------------------------------


def _branch_dicts(
    max_M: int, max_G: int, kernels: Sequence[int], *, min_M: int = 1
) -> st.SearchStrategy[list[dict[str, int]]]:
    """Branches written out: each a kernel, maybe a dilation, maybe its own groups."""
    branch = st.fixed_dictionaries(
        {"kernel": st.sampled_from(kernels)},
        optional={"dilation": st.integers(1, 3), "groups": st.integers(1, max_G)},
    )
    return st.lists(branch, min_size=min_M, max_size=max_M)


@st.composite
def sk_settings(
    draw: st.DrawFn,
    *,
    min_M: int = 1,
    max_M: int = 3,
    max_G: int = 4,
    kernels: Sequence[int] = SMALL_KERNELS,
) -> SKSpec:
    """SK settings as a block receives them: M branches (as kernels, or written out with their
    own dilation and groups), G, r, L, dilate, split, select."""
    data: dict[str, Any] = {
        "G": draw(st.integers(1, max_G)),
        "r": draw(st.integers(1, 16)),
        "L": draw(st.integers(1, 8)),
        "dilate": draw(st.booleans()),
        "split_input": draw(st.booleans()),
        "select": draw(st.sampled_from(("softmax", "softmax", "sum"))),
    }
    if draw(st.booleans()):
        data["branches"] = draw(_branch_dicts(max_M, max_G, kernels, min_M=min_M))
    else:
        data["kernels"] = draw(st.lists(st.sampled_from(kernels), min_size=min_M, max_size=max_M))
    return SKSpec.model_validate(data)


@st.composite
def sk_spec_dicts(
    draw: st.DrawFn, *, max_M: int = 3, max_G: int = 4, kernels: Sequence[int] = SMALL_KERNELS
) -> dict[str, Any]:
    """The ``sk:`` mapping of a spec: any subset of its fields; M, kernels and branches in every
    legal combination (none, one list, or M beside a list of its length)."""
    data: dict[str, Any] = {}
    how = draw(st.sampled_from(("default", "M", "kernels", "both", "branches")))
    kernel_list = draw(st.lists(st.sampled_from(kernels), min_size=1, max_size=max_M))
    if how in ("M", "both"):
        data["M"] = len(kernel_list) if how == "both" else draw(st.integers(1, max_M))
    if how in ("kernels", "both"):
        data["kernels"] = kernel_list
    if how == "branches":
        data["branches"] = draw(_branch_dicts(max_M, max_G, kernels))
    optional = {
        "G": st.integers(1, max_G),
        "r": st.integers(1, 16),
        "L": st.integers(1, 8),
        "dilate": st.booleans(),
        "split_input": st.booleans(),
        "select": st.sampled_from(("softmax", "sum")),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            data[name] = draw(values)
    return data


def sk_specs(**budget: Any) -> st.SearchStrategy[SKSpec]:
    """Validated ``SKSpec`` objects (see ``sk_spec_dicts`` for the budget)."""
    return sk_spec_dicts(**budget).map(SKSpec.model_validate)


def width_unit(sk: SKSpec) -> int:
    """The smallest width every SK rule accepts: every branch's groups divide its input, which
    is the whole input or (``split_input``) a 1/M slice of it."""
    groups = math.lcm(sk.G, *(b.groups for b in sk.split_convs()))
    return sk.M * groups if sk.split_input else groups


def _multiple(draw: st.DrawFn, unit: int, max_width: int, min_width: int = 1) -> int:
    """A multiple of ``unit`` in [min_width, max_width], or the least one above min_width."""
    low = max(1, -(-min_width // unit))
    return unit * draw(st.integers(low, max(low, max_width // unit)))


# -- one block --------------------------------------------------------------------------


@st.composite
def block_args(
    draw: st.DrawFn,
    block: str | BlockKind | type = "sk_bottleneck",
    *,
    settings: st.SearchStrategy[SKSpec] | None = None,
    max_width: int = 24,
    min_width: int = 1,
    strides: Sequence[int] = (1, 2),
) -> BlockArgs:
    """``(w_in, w_out, stride, params)`` for one block of kind ``block`` (a registered name, a
    ``BlockKind`` or a block module class, registered or not) that its ``check`` accepts; every
    width at least ``min_width``."""
    kind = describe(block)
    sk = draw(settings if settings is not None else sk_settings())
    unit = width_unit(sk)
    w_in = _multiple(draw, unit, max_width, min_width)
    w_mid = _multiple(draw, unit, max_width, min_width)
    w_out = draw(st.integers(min_width, max(min_width, max_width)))
    stride = draw(st.sampled_from(tuple(strides)))
    params = BlockParams(w_mid=w_mid, sk=sk)
    if kind.check(w_in, w_out, stride, params):
        reject()  # a user's block with rules beyond the SK ones
    return w_in, w_out, stride, params


@st.composite
def sk_conv_args(
    draw: st.DrawFn,
    *,
    settings: st.SearchStrategy[SKSpec] | None = None,
    max_width: int = 24,
    strides: Sequence[int] = (1, 2),
) -> tuple[int, int, int, SKSpec]:
    """``(w_in, w_out, stride, sk)`` for ``SKConv(w_in, w_out, stride=stride, sk=sk)``."""
    sk = draw(settings if settings is not None else sk_settings())
    w_in = _multiple(draw, width_unit(sk), max_width)
    w_out = _multiple(draw, math.lcm(*(b.groups for b in sk.split_convs())), max_width)
    return w_in, w_out, draw(st.sampled_from(tuple(strides))), sk


# -- whole networks -----------------------------------------------------------------------


@st.composite
def network_spec_dicts(
    draw: st.DrawFn,
    *,
    block_kinds: Sequence[str] = BUILTIN_KINDS,
    max_stages: int = 3,
    max_depth: int = 2,
    max_width: int = 24,
    min_width: int = 1,
    max_image_size: int = 32,
    max_M: int = 3,
    max_G: int = 4,
) -> dict[str, Any]:
    """A network spec as plain data (what a YAML file holds), within the budget; every width
    (stem, mid, out) at least ``min_width``."""
    sk_fields = {"max_M": max_M, "max_G": max_G}
    data: dict[str, Any] = {"name": draw(_names)}
    if draw(st.booleans()):
        data["description"] = draw(st.text(max_size=40))
    net_sk = draw(sk_spec_dicts(**sk_fields))
    if net_sk or draw(st.booleans()):
        data["sk"] = net_sk
    network_sk = SKSpec.model_validate(net_sk)

    stem = {"kind": draw(st.sampled_from(("classic", "deep"))), "pool": draw(st.booleans())}
    # every stride-2 layer needs >= 2x2: 2**(n-1) + 1 <= max_image_size for n of them
    max_downsamplings = int(math.log2(max(max_image_size - 1, 1))) + 1
    budget = max_downsamplings - 1 - int(stem["pool"])

    stages: list[dict[str, Any]] = []
    units: list[int] = []
    for i in range(draw(st.integers(1, max_stages))):
        stage: dict[str, Any] = {
            "depth": draw(st.integers(1, max_depth)),
            "stride": draw(st.sampled_from((1, 2))) if budget > 0 else 1,
            "block": draw(st.sampled_from(tuple(block_kinds))),
        }
        budget -= stage["stride"] == 2
        if draw(st.booleans()):
            stage["name"] = f"{draw(st.sampled_from(('conv', 'layer', 'stage')))}_{i}"
        if draw(st.booleans()):
            stage["sk"] = draw(sk_spec_dicts(**sk_fields))
        override = SKSpec.model_validate(stage["sk"]) if "sk" in stage else None
        units.append(width_unit(network_sk.overridden_by(override)))
        stages.append(stage)

    # a stage's width feeds the next stage's SK conv: it must suit both stages' units
    for i, stage in enumerate(stages):
        next_unit = units[i + 1] if i + 1 < len(stages) else 1
        if draw(st.booleans()):
            stage["mid_width"] = _multiple(draw, units[i], max_width, min_width)
        stage["out_width"] = _multiple(draw, math.lcm(units[i], next_unit), max_width, min_width)
    stem_unit = math.lcm(units[0], 2 if stem["kind"] == "deep" else 1)
    stem["width"] = _multiple(draw, stem_unit, max_width, min_width)
    data["stem"] = stem
    data["stages"] = [{k: s[k] for k in _stage_order if k in s} for s in stages]

    min_size = 2 ** (1 + int(stem["pool"]) + sum(s["stride"] == 2 for s in stages) - 1) + 1
    data["input"] = {
        "channels": draw(st.integers(1, 4)),
        "image_size": draw(st.integers(min_size, max(min_size, max_image_size))),
    }
    if draw(st.booleans()):
        data["head"] = {
            "num_classes": draw(st.integers(0, 10)),
            "dropout": draw(st.sampled_from((0.0, 0.1, 0.5))),
        }
    if draw(st.booleans()):
        data["zero_init_last"] = draw(st.booleans())
    return data


_stage_order = tuple(StageSpec.model_fields)
_yaml_words = st.sampled_from(("no", "yes", "null", "~", "1e3", "0x1F", "- a", "a: b", "#x", "'"))
_names = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20),
    _yaml_words,
)


@st.composite
def network_specs(draw: st.DrawFn, **budget: Any) -> NetworkSpec:
    """Validated ``NetworkSpec`` objects (see ``network_spec_dicts`` for the budget). With a
    user's block kind whose ``check`` has rules of its own, drawings it refuses are rejected."""
    data = draw(network_spec_dicts(**budget))
    try:
        return spec_from_dict(data)
    except SpecError:
        reject()
        raise  # unreachable: reject() raises


# -- tensors ------------------------------------------------------------------------------


@st.composite
def images(
    draw: st.DrawFn,
    channels: int,
    *,
    batch: st.SearchStrategy[int] | None = None,
    min_size: int = 1,
    max_size: int = 16,
) -> Tensor:
    """A float32 (B, channels, H, W) batch of standard-normal values; H and W are drawn
    independently, so inputs need not be square. Values come from a drawn seed, so a failing
    example is reproduced exactly."""
    b = draw(batch if batch is not None else st.integers(2, 3))
    h = draw(st.integers(min_size, max(min_size, max_size)))
    w = draw(st.integers(min_size, max(min_size, max_size)))
    seed = draw(st.integers(0, 2**32 - 1))
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(b, channels, h, w, generator=generator)


def inputs(
    spec: NetworkSpec,
    *,
    batch: st.SearchStrategy[int] | None = None,
    max_size: int = 32,
    min_final_size: int = 1,
) -> st.SearchStrategy[Tensor]:
    """Input batches the network of ``spec`` accepts: its channels, any H and W from its
    smallest input size up to ``max_size`` (raised if need be). ``min_final_size`` asks for
    inputs large enough that the last feature map is at least that size on each side."""
    steps = len(spec.downsamplings())
    min_size = max(spec.min_image_size(), (min_final_size - 1) * 2**steps + 1)
    return images(spec.input.channels, batch=batch, min_size=min_size, max_size=max_size)


def block_inputs(
    args: BlockArgs | tuple[int, int, int, SKSpec],
    *,
    batch: st.SearchStrategy[int] | None = None,
    min_size: int = 1,
    max_size: int = 12,
) -> st.SearchStrategy[Tensor]:
    """Input batches for a block (or SK conv) built from ``args``. The default batch of 3-4
    keeps every BatchNorm, the fuse step's on 1x1 maps included, away from its degenerate
    two-sample case, where the normalised output barely depends on its input."""
    return images(args[0], batch=batch or st.integers(3, 4), min_size=min_size, max_size=max_size)
