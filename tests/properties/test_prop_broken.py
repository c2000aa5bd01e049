"""The properties catch real bugs: each test plants one in an SK conv (or in the YAML dump),
runs a property that passes on the correct code, and expects it to fail with the message of
the invariant the bug breaks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

import skbuilder.nn.layers.sk_conv as sk_conv_module
import skbuilder.testing.invariants as invariants_module
from skbuilder.nn.layers import SKConv
from skbuilder.nn.layers.sk_conv import Fuse, Select
from skbuilder.spec import NetworkSpec
from skbuilder.testing import (
    check_attention_normalized,
    check_batch_independence,
    check_branch_shapes,
    check_network_invariants,
    check_yaml_round_trip,
    images,
    inputs,
    network_specs,
    seeded,
    sk_conv_args,
    sk_settings,
)

Property = Callable[[], None]


class SoftmaxOverChannels(Select):
    """Bug: the softmax normalises over the C channels instead of the M branches."""

    def __init__(self, d: int, channels: int, M: int) -> None:
        super().__init__(d, channels, M)
        self.softmax = nn.Softmax(dim=2)


class FuseOverBatch(Fuse):
    """Bug: the global pooling also averages over the batch, mixing samples."""

    def forward(self, branches: list[Tensor]) -> Tensor:
        s = sum(u.mean((0, 2, 3), keepdim=True) for u in branches)
        return self.act(self.bn(self.fc(s.expand(branches[0].shape[0], -1, -1, -1))))


def undilated_padding(sk: SKConv) -> SKConv:
    """Bug: dilated branches padded as if undilated, so they shrink the map."""
    for branch in sk.split:
        k, dil = branch.conv.kernel_size[0], branch.conv.dilation[0]
        if dil > 1:
            branch.conv.padding = ((k - 1) // 2, (k - 1) // 2)
    return sk


def dump_without_defaults(spec: NetworkSpec) -> str:
    """Bug: fields that equal their default are dropped, though the spec gave them."""
    return yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True), sort_keys=False)


def sk_property(
    check: Callable[[SKConv, Tensor], None], *, min_M: int = 1, min_size: int = 1
) -> Property:
    @given(args=sk_conv_args(settings=sk_settings(min_M=min_M)), data=st.data())
    def prop(args, data) -> None:
        w_in, w_out, stride, sk = args
        with seeded(0):
            module = SKConv(w_in, w_out, stride=stride, sk=sk)
        x = data.draw(images(w_in, batch=st.integers(3, 4), min_size=min_size, max_size=12))
        check(module, x)

    return prop


def network_property() -> Property:
    @given(spec=network_specs(block_kinds=("sk_bottleneck", "sk_basic")), data=st.data())
    def prop(spec, data) -> None:
        check_network_invariants(spec, data.draw(inputs(spec)))

    return prop


def round_trip_property() -> Property:
    @given(spec=network_specs())
    def prop(spec) -> None:
        check_yaml_round_trip(spec)

    return prop


def deterministic(prop: Property) -> Property:
    """Fixed examples, and the first failure reported as is: no shrinking, which only slows a
    test that merely needs the failure."""
    return settings(
        derandomize=True,
        database=None,
        max_examples=50,
        phases=(Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
    )(prop)


def dilated_shapes(sk: SKConv, x: Tensor) -> None:
    check_branch_shapes(undilated_padding(sk), x)


# the normalisation messages of check_attention_normalized (M > 1 and M = 1)
ATTENTION = r"attention (weights must sum to 1|weights must lie in \(0, 1\)|must be exactly 1)"

CASES = {
    "softmax over channels": (
        lambda mp: mp.setattr(sk_conv_module, "Select", SoftmaxOverChannels),
        lambda: sk_property(check_attention_normalized),
        ATTENTION,
    ),
    "softmax over channels, whole network": (
        lambda mp: mp.setattr(sk_conv_module, "Select", SoftmaxOverChannels),
        network_property,
        ATTENTION,
    ),
    "fuse pooled over the batch": (
        lambda mp: mp.setattr(sk_conv_module, "Fuse", FuseOverBatch),
        lambda: sk_property(check_batch_independence),
        "depends on the rest of the batch",
    ),
    "dilated branch padded as undilated": (
        lambda mp: None,  # the bug is planted by the check itself
        # two branches or more; maps large enough that the too-small padding still fits
        lambda: sk_property(dilated_shapes, min_M=2, min_size=8),
        "branch outputs differ in shape",
    ),
    "YAML dump drops explicit defaults": (
        lambda mp: mp.setattr(invariants_module, "dump_spec", dump_without_defaults),
        round_trip_property,
        "round trip changed",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_planted_bug_makes_the_property_fail(case: str, monkeypatch) -> None:
    plant, make_property, message = CASES[case]
    plant(monkeypatch)
    with pytest.raises(AssertionError, match=message):
        deterministic(make_property())()


@pytest.mark.parametrize(
    "make_property",
    [
        lambda: sk_property(check_attention_normalized),
        lambda: sk_property(check_batch_independence),
        round_trip_property,
    ],
    ids=["attention", "batch independence", "round trip"],
)
def test_the_same_properties_pass_without_the_bug(make_property) -> None:
    deterministic(make_property())()
