"""Every built-in block kind against its own analytic description."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skbuilder.testing import block_args, block_inputs, check_block_invariants, examples
from skbuilder.testing.strategies import BUILTIN_KINDS


@examples(0.5)  # each example builds a block and runs it several times
@given(kind=st.sampled_from(BUILTIN_KINDS), data=st.data())
def test_block_invariants(kind: str, data) -> None:
    args = data.draw(block_args(kind))
    check_block_invariants(kind, args, data.draw(block_inputs(args)), gradients=False)


# Gradient flow away from the degenerate corner of one channel on a pixel or two, where one
# input can leave a branch all ReLU-dead or behind a scale-invariant chain of BatchNorms.
@examples(0.5)
@given(kind=st.sampled_from(BUILTIN_KINDS), data=st.data())
def test_block_invariants_with_gradient_flow(kind: str, data) -> None:
    args = data.draw(block_args(kind, min_width=4))
    check_block_invariants(kind, args, data.draw(block_inputs(args, min_size=3)))
