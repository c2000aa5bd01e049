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
from skbuilder.blocks.settings import ATTENTION_KINDS, AttentionSpec
from skbuilder.spec import NetworkSpec, SpecError, spec_from_dict
from skbuilder.spec.schema import StageSpec

BUILTIN_KINDS: tuple[str, ...] = (
    "sk_bottleneck",
    "sk_basic",
    "bottleneck",
    "basic",
    "shufflenet_v2",
)
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
    attention: st.SearchStrategy[str | dict[str, Any]] | None = None,
    max_width: int = 24,
    min_width: int = 1,
    strides: Sequence[int] = (1, 2),
) -> BlockArgs:
    """``(w_in, w_out, stride, params)`` for one block of kind ``block`` (a registered name, a
    ``BlockKind`` or a block module class, registered or not) that its ``check`` accepts; every
    width at least ``min_width``. The attention is drawn from what the kind can carry (or from
    ``attention``), and the widths follow the kind's shape rules (``BlockKind.width_multiple``,
    ``keeps_width``, ``uses_mid_width``)."""
    kind = describe(block)
    sk = draw(settings if settings is not None else sk_settings())
    chosen = _attention(
        draw(attention if attention is not None else attention_settings(sorted(kind.attentions)))
    )
    unused = kind.unused(BlockParams(w_mid=1, sk=sk, attention=chosen))
    groups = draw(st.integers(1, 4)) if "groups" not in unused else 1
    unit = _unit(kind, sk, groups, unused)
    stride = draw(st.sampled_from(tuple(strides)))
    w_in = _multiple(draw, unit, max_width, min_width)
    if kind.keeps_width and stride == 1:
        w_out = w_in
    else:
        w_out = _multiple(draw, kind.width_multiple, max_width, min_width)
    w_mid = _multiple(draw, unit, max_width, min_width) if kind.uses_mid_width else w_out
    params = BlockParams(w_mid=w_mid, sk=sk, attention=chosen, groups=groups)
    if kind.check(w_in, w_out, stride, params):
        reject()  # a user's block with rules beyond the SK ones
    return w_in, w_out, stride, params


def _attention(value: str | dict[str, Any]) -> AttentionSpec:
    """An ``attention:`` value (a name or a mapping) as its settings object."""
    data = {"kind": value} if isinstance(value, str) else value
    return ATTENTION_KINDS[data["kind"]].model_validate(data)


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


def attention_settings(
    kinds: Sequence[str] = ("sk", "se", "cbam", "none"),
) -> st.SearchStrategy[str | dict[str, Any]]:
    """An ``attention:`` value: a kind's name, or a mapping with its settings."""
    mappings = {
        "sk": st.just({"kind": "sk"}),
        "se": st.fixed_dictionaries({"kind": st.just("se")}, optional={"r": st.integers(1, 8)}),
        "cbam": st.fixed_dictionaries(
            {"kind": st.just("cbam")},
            optional={"r": st.integers(1, 8), "kernel": st.sampled_from((1, 3, 5, 7))},
        ),
        "none": st.just({"kind": "none"}),
    }
    return st.one_of(st.sampled_from(tuple(kinds)), *(mappings[k] for k in kinds))


def _attention_kind(value: str | dict[str, Any] | None) -> str | None:
    """The kind an ``attention:`` value names."""
    return value.get("kind") if isinstance(value, dict) else value


def bam_settings() -> st.SearchStrategy[dict[str, int]]:
    """A ``bam:`` mapping (a BAM module after a stage)."""
    return st.fixed_dictionaries(
        {}, optional={"r": st.integers(1, 8), "dilation": st.integers(1, 4)}
    )


def _unit(kind: BlockKind, sk: SKSpec, groups: int, unused: dict[str, str]) -> int:
    """The width unit a block of ``kind`` needs: its own multiple, and the SK and group rules
    where its convs follow them (those of the settings it reads)."""
    if not kind.uses_mid_width:
        return kind.width_multiple
    unit = width_unit(sk) if "sk" not in unused else 1
    return math.lcm(kind.width_multiple, unit, groups if "groups" not in unused else 1)


def _reads(unused: dict[str, str], setting: str) -> bool:
    """Whether a block with these ``unused`` settings reads ``setting`` (``sk.G``, ``groups``)."""
    return setting not in unused and not (setting.startswith("sk.") and "sk" in unused)


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
    """A network spec as plain data (what a YAML file holds), within the budget: any stem
    (kind, stride, pool), attention per network and per stage, BAM after stages, a head with
    or without its 1x1 conv; every width (stem, mid, out) at least ``min_width``."""
    data: dict[str, Any] = {"name": draw(_names)}
    if draw(st.booleans()):
        data["description"] = draw(st.text(max_size=40))
    net_sk: dict[str, Any] = draw(sk_spec_dicts(max_M=max_M, max_G=max_G))
    if bool(net_sk) or draw(st.booleans()):
        data["sk"] = net_sk
    network_sk = SKSpec.model_validate(net_sk)
    if draw(st.booleans()):
        data["attention"] = draw(attention_settings())
    network_attention = _attention_kind(data.get("attention"))

    stem: dict[str, Any] = {
        "kind": draw(st.sampled_from(("classic", "deep", "conv3x3"))),
        "stride": draw(st.sampled_from((1, 2))),
        "pool": draw(st.booleans()),
    }
    # every stride-2 layer needs >= 2x2: 2**(n-1) + 1 <= max_image_size for n of them
    max_downsamplings = int(math.log2(max(max_image_size - 1, 1))) + 1
    budget = max_downsamplings - int(stem["pool"]) - (stem["stride"] == 2)

    network_groups = draw(st.integers(1, max_G))
    stages: list[dict[str, Any]] = []
    units: list[int] = []
    unused_by: list[dict[str, str]] = []
    for i in range(draw(st.integers(1, max_stages))):
        kind = draw(st.sampled_from(tuple(block_kinds)))
        stage: dict[str, Any] = {
            "depth": draw(st.integers(1, max_depth)),
            "stride": draw(st.sampled_from((1, 2))) if budget > 0 else 1,
            "block": kind,
        }
        budget -= stage["stride"] == 2
        if draw(st.booleans()):
            stage["name"] = f"{draw(st.sampled_from(('conv', 'layer', 'stage')))}_{i}"
        # only attention the kind takes: a stage whose kind does not take the network's names
        # its own, so no drawing is thrown away (a user's kind may take none but "none")
        takes = sorted(describe(kind).attentions)
        if draw(st.booleans()) or (network_attention not in (None, *takes)):
            stage["attention"] = draw(attention_settings(takes))
        if draw(st.booleans()):
            stage["bam"] = draw(bam_settings())
        chosen = stage.get("attention", data.get("attention"))
        attention = None if chosen is None else _attention(chosen)
        unused = describe(kind).unused(BlockParams(w_mid=1, attention=attention))
        if "sk" not in unused and draw(st.booleans()):  # only where the blocks read it
            drawn = draw(sk_spec_dicts(max_M=max_M, max_G=max_G))
            stage["sk"] = {k: v for k, v in drawn.items() if _reads(unused, f"sk.{k}")}
            if not _reads(unused, "sk.G") and "branches" in stage["sk"]:  # depthwise branches
                stage["sk"]["branches"] = [
                    {k: v for k, v in b.items() if k != "groups"} for b in stage["sk"]["branches"]
                ]
        if "groups" not in unused and draw(st.booleans()):
            stage["groups"] = draw(st.integers(1, max_G))
        override = SKSpec.model_validate(stage["sk"]) if "sk" in stage else None
        groups = stage.get("groups", network_groups)
        sk = network_sk.overridden_by(override)
        units.append(_unit(describe(kind), sk, groups, unused))
        unused_by.append(unused)
        stages.append(stage)

    # the network's settings only where some stage reads them and does not write its own
    def read_from_network(setting: str, key: str, inner: str | None = None) -> bool:
        return any(
            _reads(unused, setting) and inner not in s.get(key, {})
            if inner
            else _reads(unused, setting) and key not in s
            for s, unused in zip(stages, unused_by)
        )

    if "sk" in data:
        data["sk"] = {k: v for k, v in net_sk.items() if read_from_network(f"sk.{k}", "sk", k)}
        depthwise = any(  # a depthwise SK conv that takes the network's branches
            _reads(unused, "sk")
            and not _reads(unused, "sk.G")
            and "branches" not in s.get("sk", {})
            for s, unused in zip(stages, unused_by)
        )
        if depthwise and "branches" in data["sk"]:
            data["sk"]["branches"] = [
                {k: v for k, v in b.items() if k != "groups"} for b in data["sk"]["branches"]
            ]
        if not data["sk"] and not read_from_network("sk", "sk"):
            del data["sk"]
    if read_from_network("groups", "groups"):
        data["groups"] = network_groups

    # a stage's width feeds the next stage's convs: it must suit both stages' units, and the
    # units of the stages after it that keep their width, as it passes through them unchanged
    keeps = [describe(s["block"]).keeps_width and s["stride"] == 1 for s in stages]
    needs = [1] * (len(stages) + 1)  # the unit of the width entering stage i
    for i in reversed(range(len(stages))):
        needs[i] = math.lcm(units[i], needs[i + 1] if keeps[i] else 1)
    stem_unit = math.lcm(needs[0], 2 if stem["kind"] == "deep" else 1)
    stem["width"] = _multiple(draw, stem_unit, max_width, min_width)
    width = stem["width"]
    for i, stage in enumerate(stages):
        unit = math.lcm(units[i], needs[i + 1])
        described = describe(stage["block"])
        if keeps[i]:
            stage["out_width"] = width  # a stride-1 block keeps its width
        else:
            if described.uses_mid_width and draw(st.booleans()):
                stage["mid_width"] = _multiple(draw, units[i], max_width, min_width)
            stage["out_width"] = _multiple(draw, unit, max_width, min_width)
        width = stage["out_width"]
    data["stem"] = stem
    data["stages"] = [{k: s[k] for k in _stage_order if k in s} for s in stages]

    downsamplings = (stem["stride"] == 2) + int(stem["pool"])
    downsamplings += sum(s["stride"] == 2 for s in stages)
    min_size = 2 ** (downsamplings - 1) + 1 if downsamplings else 1
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
            data["head"]["conv"] = draw(st.integers(max(1, min_width), max(1, max_width)))
    if draw(st.booleans()):
        # true only where some block has a residual branch: the spec refuses it otherwise
        data["zero_init_last"] = draw(st.booleans()) and _has_residual(data)
    return data


def _has_residual(data: dict[str, Any]) -> bool:
    try:
        return spec_from_dict(data).has_residual()
    except SpecError:  # the drawing has another problem: the caller's check reports it
        return True


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
