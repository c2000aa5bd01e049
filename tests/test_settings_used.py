"""Every setting is used by what it configures, or refused with a message that names it and says
why: no spec silently builds something other than what it says."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn

from skbuilder import SpecError, build_model, load_spec, parse_spec, spec_from_dict
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.shipped import shipped_specs
from tests.structures import STRUCTURES

#: Fields that do not describe the network's layers: names and words, the size summaries use by
#: default, and how weights start (held to the module by tests/test_builder_init.py).
NOT_ARCHITECTURE = {"name", "description", "image_size", "zero_init_last"}


def architecture(spec: NetworkSpec) -> tuple[Any, ...]:
    """Everything that is built, as descriptions: stem, every block's layout, BAMs, head."""
    from skbuilder.blocks import get_block

    layouts = tuple(
        get_block(p.kind).layout(p.w_in, p.w_out, p.stride, p.params) for p in spec.plan()
    )
    bams = tuple(spec.bam_op(i) for i in range(len(spec.stages)))
    return spec.input.channels, spec.stem_op(), layouts, bams, spec.head_op()


def leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in leaves(v, (*path, k))]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in leaves(v, (*path, i))]
    return [(path, data)]


def changed(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = changed(data[path[0]], path[1:], value)
    return copy


def others(value: Any) -> list[Any]:
    """Other values of the same type to try in place of ``value``."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [
            v for v in (value * 2, value + 1, value - 1, value // 2, 1, 3) if v >= 1 and v != value
        ]
    if isinstance(value, float):
        return [0.25 if value != 0.25 else 0.5]
    if isinstance(value, str):
        return [
            v
            for v in ("none", "se", "cbam", "sk", "deep", "conv3x3", "softmax", "sum")
            if v != value
        ]
    return []


def check_every_field_used(name: str) -> None:
    """Each value the spec writes (after ``extends:``) changes what is built when changed to
    another valid value: none is written for nothing."""
    spec = load_spec(name)
    data = spec.model_dump(exclude_unset=True, mode="json")
    before = architecture(spec)
    unused = []
    for path, value in leaves(data):
        if NOT_ARCHITECTURE & set(path):
            continue
        for other in others(value):
            try:
                variant = spec_from_dict(changed(data, path, other))
            except SpecError:
                continue
            if architecture(variant) == before:
                unused.append((".".join(map(str, path)), value, other))
            break
    assert unused == []


@pytest.mark.parametrize("name", STRUCTURES)
def test_every_field_of_a_shipped_spec_is_used(name: str) -> None:
    check_every_field_used(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(shipped_specs()))
def test_every_field_of_every_shipped_spec_is_used(name: str) -> None:
    check_every_field_used(name)


RESNEXT = """\
name: x
input: {image_size: 64}
sk: {G: 32}
stages:
  - {depth: 1, mid_width: 128, out_width: 256, stride: 1, block: bottleneck}
"""


def test_sk_settings_on_plain_blocks_are_refused_where_written() -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(RESNEXT, source="x.yaml")
    (issue,) = err.value.issues
    assert (issue.line, issue.column, issue.path) == (3, 9, ("sk", "G"))
    assert "has no SK conv" in issue.message and "`groups`" in issue.message


def test_plain_bottleneck_cardinality_is_groups() -> None:
    spec = parse_spec(RESNEXT.replace("sk: {G: 32}", "groups: 32"))
    conv = build_model(spec, device="meta").stages[0][0].conv2.conv
    assert conv.groups == 32
    default = parse_spec(RESNEXT.replace("sk: {G: 32}\n", ""))
    assert build_model(default, device="meta").stages[0][0].conv2.conv.groups == 1


def test_groups_on_sk_blocks_and_on_shufflenet_are_refused() -> None:
    with pytest.raises(SpecError, match=r"stages\.0\.groups: groups has no effect.*sk\.G"):
        parse_spec(
            RESNEXT.replace("sk: {G: 32}", "sk: {G: 32}\nattention: sk\nstages:")
            .replace("stages:\n  - {depth", "  - {groups: 4, depth", 1)
            .replace("stages:\nstages:", "stages:")
        )
    shuffle = {
        "name": "s",
        "attention": "sk",
        "sk": {"G": 4},
        "stages": [{"depth": 1, "out_width": 48, "stride": 2, "block": "shufflenet_v2"}],
    }
    with pytest.raises(SpecError, match=r"sk\.G has no effect: the SK conv of a ShuffleNetV2"):
        spec_from_dict(shuffle)
    shuffle["sk"] = {"branches": [{"kernel": 3, "groups": 2}, {"kernel": 5}]}
    with pytest.raises(SpecError, match=r"a branch's groups have no effect"):
        spec_from_dict(shuffle)


def test_zero_init_last_needs_a_residual_branch() -> None:
    spec = {
        "name": "s",
        "zero_init_last": True,
        "stages": [{"depth": 1, "out_width": 48, "stride": 2, "block": "shufflenet_v2"}],
    }
    with pytest.raises(SpecError, match="zero_init_last has no effect: no block has a residual"):
        spec_from_dict(spec)


@pytest.mark.parametrize("branch_act", [True, False])
def test_the_sk_branch_activation_is_a_setting(branch_act: bool) -> None:
    spec = spec_from_dict(
        {
            "name": "s",
            "input": {"image_size": 32},
            "attention": "sk",
            "sk": {"branch_act": branch_act},
            "stages": [{"depth": 1, "out_width": 48, "stride": 2, "block": "shufflenet_v2"}],
        }
    )
    model = build_model(spec)
    branches = [m for n, m in model.named_modules() if re.search(r"\.split\.\d+$", n)]
    assert branches and all(isinstance(b.act, nn.ReLU) == branch_act for b in branches)
    from skbuilder.render import diagram

    assert ("BN, ReLU · field" in diagram(spec, "block").source) == branch_act
    assert model.eval()(torch.randn(1, 3, 32, 32)).shape == (1, 1000)
