"""The strategies draw only what the schema and the blocks accept, within the budget."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from skbuilder.blocks import get_block
from skbuilder.spec import SKSpec, spec_from_dict
from skbuilder.testing import (
    block_args,
    examples,
    inputs,
    network_spec_dicts,
    network_specs,
    sk_spec_dicts,
    spec_cost,
)
from skbuilder.testing.strategies import BUILTIN_KINDS


@examples(0.5)  # 100 under the thorough profile: each drawing is validated in full
@given(data=network_spec_dicts())
def test_every_drawn_spec_is_valid(data: dict) -> None:
    spec = spec_from_dict(data)  # raises SpecError with every problem otherwise
    assert spec.input.image_size >= spec.min_image_size()
    assert len(spec.stages) <= 3 and all(s.depth <= 2 for s in spec.stages)


@given(data=sk_spec_dicts())
def test_sk_dicts_validate(data: dict) -> None:
    sk = SKSpec.model_validate(data)
    derived = {"M"} if {"kernels", "branches"} & set(data) else set()  # M follows from the list
    assert sk.model_fields_set == set(data) | derived


@given(spec=network_specs(), data=st.data())
def test_inputs_fit_the_spec(spec, data) -> None:
    x = data.draw(inputs(spec))
    assert x.shape[1] == spec.input.channels
    assert min(x.shape[2:]) >= spec.min_image_size()
    assert spec.rule_violations(image_size=min(x.shape[2:])) == []


@given(kind=st.sampled_from(BUILTIN_KINDS), data=st.data())
def test_block_args_pass_the_block_check(kind: str, data) -> None:
    w_in, w_out, stride, params = data.draw(block_args(kind))
    assert get_block(kind).check(w_in, w_out, stride, params) == []
    kind_of = get_block(kind)
    if not kind_of.uses_mid_width:  # its convs do not follow the SK groups
        assert w_out % kind_of.width_multiple == 0
        return
    unused = kind_of.unused(params)
    if "groups" not in unused:  # the plain grouped conv's groups divide its width
        assert params.w_mid % params.groups == 0
    if "sk" in unused:  # no SK conv: its groups constrain nothing
        return
    for branch in params.sk.split_convs():  # every branch's groups divide what it convolves
        assert w_in % branch.groups == 0 and params.w_mid % branch.groups == 0
        if params.sk.split_input:
            assert w_in % math.prod((params.sk.M, branch.groups)) == 0


@given(spec=network_specs(min_width=4), data=st.data())
def test_size_floors(spec, data) -> None:
    widths = [spec.stem.width] + [w for s in spec.stages for w in (s.width, s.out_width)]
    assert min(widths) >= 4
    x = data.draw(inputs(spec, min_final_size=2))
    cost = spec_cost(spec, *x.shape[2:], head=False)
    assert min(cost.h, cost.w) >= 2
