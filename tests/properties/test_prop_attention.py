"""Attention kinds as properties: gates weigh in (0, 1) in every kind that carries them, a block
with attention ``none`` is the plain block, and the gate check catches a gate that is not a
sigmoid."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from skbuilder.blocks import get_block
from skbuilder.blocks.settings import NoAttention
from skbuilder.nn.ops import build_block
from skbuilder.testing import (
    block_args,
    block_inputs,
    check_block_invariants,
    check_gates_in_unit_interval,
    examples,
    seeded,
)

GATED = st.sampled_from(("bottleneck", "sk_bottleneck", "basic", "sk_basic", "shufflenet_v2"))


@examples(0.25)  # test_block_invariants draws gated blocks too; these make sure of it
@given(kind=GATED, attention=st.sampled_from(("se", "cbam")), data=st.data())
def test_gated_blocks_keep_their_invariants(kind: str, attention: str, data) -> None:
    args = data.draw(block_args(kind, attention=st.just(attention)))
    x = data.draw(block_inputs(args))
    check_block_invariants(kind, args, x, gradients=False)  # gates checked in (0, 1) there


@examples(0.5)
@given(
    pair=st.sampled_from((("sk_bottleneck", "bottleneck"), ("sk_basic", "basic"))),
    data=st.data(),
)
def test_attention_none_is_the_plain_block(pair: tuple[str, str], data) -> None:
    sk_kind, plain_kind = pair
    w_in, w_out, stride, params = data.draw(block_args(plain_kind, attention=st.just("none")))
    x = data.draw(block_inputs((w_in, w_out, stride, params)))
    with seeded(0):
        plain = build_block(get_block(plain_kind), w_in, w_out, stride, params).eval()
    none = replace(params, attention=NoAttention())
    with seeded(1):
        unattended = build_block(get_block(sk_kind), w_in, w_out, stride, none).eval()
    unattended.load_state_dict(plain.state_dict())  # same names and shapes, or this raises
    with torch.no_grad():
        torch.testing.assert_close(unattended(x), plain(x))


class _ReluGate(nn.Module):
    """A broken gate: ReLU where a sigmoid belongs, so its weights can exceed 1."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.fc = nn.Conv2d(channels, channels, 1)

    def gate(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x.mean((2, 3), keepdim=True)) * 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


def test_a_gate_that_is_not_a_sigmoid_is_caught() -> None:
    with seeded(0):
        broken = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), _ReluGate(8))
    with pytest.raises(AssertionError, match=r"gate values must lie in \(0, 1\)"):
        check_gates_in_unit_interval(broken, torch.randn(4, 3, 6, 6))
