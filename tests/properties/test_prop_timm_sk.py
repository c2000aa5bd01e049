"""timm's ``SelectiveKernel`` as a second oracle for the SK conv, for the settings it covers:
kernels of 3 or more (as dilated 3x3s or not), G groups, the input split or not, two branches
or more, softmax selection. Runs where timm is installed; skipped otherwise."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from skbuilder.blocks import SKSpec
from skbuilder.nn.layers import SKConv
from skbuilder.testing import block_inputs, examples, seeded
from skbuilder.testing.reference import randomize

timm_layers = pytest.importorskip("timm.layers")

#: skbuilder's names for timm's SelectiveKernel tensors.
NAMES = {"paths.": "split.", "attn.fc_reduce.": "fuse.fc.", "attn.bn.": "fuse.bn.",
         "attn.fc_select.": "select.fc."}  # fmt: skip


def renamed(key: str) -> str:
    for theirs, ours in NAMES.items():
        if key.startswith(theirs):
            return ours + key[len(theirs) :]
    return key


@st.composite
def timm_cases(draw: st.DrawFn):
    kernels = draw(st.lists(st.sampled_from((3, 5, 7)), min_size=2, max_size=3))
    M = len(kernels)
    G = draw(st.integers(1, 2))
    split_input = draw(st.booleans())
    sk = SKSpec(kernels=tuple(kernels), G=G, r=draw(st.integers(1, 8)), L=draw(st.integers(1, 4)),
                dilate=draw(st.booleans()), split_input=split_input)  # fmt: skip
    w_in = (M if split_input else 1) * G * draw(st.integers(1, 3))
    w_out = G * draw(st.integers(1, 4))
    stride = draw(st.sampled_from((1, 2)))
    args = (w_in, w_out, stride, sk)
    return args, draw(block_inputs(args, max_size=8)), draw(st.booleans())


@examples(0.1)
@given(case=timm_cases())
def test_sk_conv_matches_timm(case) -> None:
    (w_in, w_out, stride, sk), x, training = case
    theirs = timm_layers.SelectiveKernel(
        w_in,
        w_out,
        kernel_size=list(sk.kernel_sizes),
        stride=stride,
        groups=sk.G,
        rd_channels=sk.d(w_out),
        keep_3x3=sk.dilate,
        split_input=sk.split_input,
    )
    randomize(theirs)
    with seeded(0):
        ours = SKConv(w_in, w_out, stride=stride, sk=sk)
    ours.load_state_dict({renamed(k): v for k, v in theirs.state_dict().items()})
    theirs.train(training)
    ours.train(training)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))
