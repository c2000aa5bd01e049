"""Properties of the SK convolution itself over drawn settings and inputs."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from skbuilder.blocks.cost import Shape
from skbuilder.nn.layers import ConvBnAct, SKConv
from skbuilder.testing import (
    block_inputs,
    check_attention_normalized,
    check_branch_permutation,
    check_branch_shapes,
    check_complexity,
    check_output_shape,
    check_single_branch_is_plain,
    check_sk_gradient_flow,
    sk_conv_args,
    sk_settings,
)
from skbuilder.testing.invariants import mode, seeded


def make(args) -> SKConv:
    w_in, w_out, stride, sk = args
    with seeded(0):
        return SKConv(w_in, w_out, stride=stride, sk=sk)


@st.composite
def sk_cases(draw, **settings):
    args = draw(sk_conv_args(settings=sk_settings(**settings)) if settings else sk_conv_args())
    return args, draw(block_inputs(args))


@given(case=sk_cases(), training=st.booleans())
def test_attention_is_a_softmax_over_branches(case, training: bool) -> None:
    args, x = case
    sk = make(args)
    with mode(sk, training=training):
        check_attention_normalized(sk, x)


@given(case=sk_cases())
def test_shapes_and_cost_match_the_analytic_model(case) -> None:
    args, x = case
    w_in, w_out, stride, sk_settings_ = args
    sk = make(args)
    cost = SKConv.complexity(
        Shape(w_in, *x.shape[2:]).cost(), w_in, w_out, stride=stride, sk=sk_settings_
    )
    check_branch_shapes(sk, x)
    check_output_shape(sk, x, (x.shape[0], w_out, cost.h, cost.w))
    check_complexity(sk, x, cost)


@given(case=sk_cases(min_M=1, max_M=1), training=st.booleans())
def test_one_branch_is_a_plain_conv_bn_relu(case, training: bool) -> None:
    args, x = case
    w_in, w_out, stride, sk_settings_ = args
    sk = make(args)
    (branch,) = sk_settings_.split_convs()
    plain = ConvBnAct(
        w_in,
        w_out,
        kernel_size=branch.kernel,
        stride=stride,
        dilation=branch.dilation,
        groups=branch.groups,
    )
    plain.load_state_dict(sk.split[0].state_dict())
    with mode(sk, training=training), mode(plain, training=training):
        check_single_branch_is_plain(sk, x)
        with torch.no_grad():
            torch.testing.assert_close(sk(x), plain(x))


@given(case=sk_cases(min_M=2), data=st.data())
def test_permuting_branches_with_their_select_weights(case, data) -> None:
    args, x = case
    sk = make(args).eval()
    with torch.no_grad():  # non-trivial running statistics, so eval mode is not an identity BN
        sk.train()(x)
        sk.eval()
    order = data.draw(st.permutations(range(args[3].M)))
    check_branch_permutation(sk, x, order)


@given(case=sk_cases())
def test_gradients_reach_every_branch_and_the_attention(case) -> None:
    args, x = case
    check_sk_gradient_flow(make(args), x)
