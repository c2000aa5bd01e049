"""Every layer and block equals its reference (``skbuilder.testing.reference``: the paper's
equations on the module's own tensors), for drawn settings and inputs, in train mode and in eval
mode with random BN statistics, float32 and float64; the fused inference copy equals the
original; the weighted sum's fast paths equal the plain sum.

Eval mode with random running statistics matters: a train-mode BatchNorm normalises away a
constant factor (a mean where a sum belongs, in Fuse), random statistics do not. The explicit
examples cover the paper's settings and each block kind with each attention, so every run
checks them whatever the profile draws besides."""

from __future__ import annotations

import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch import Tensor, nn

from skbuilder import build_model
from skbuilder.blocks import BlockParams, SKSpec, describe
from skbuilder.blocks.ops.bam import BAM
from skbuilder.blocks.ops.head import Head
from skbuilder.blocks.ops.stem import Stem
from skbuilder.blocks.settings import CBAMAttention, NoAttention, SEAttention
from skbuilder.interop.fusion import fuse_for_inference
from skbuilder.nn.layers import SKConv
from skbuilder.nn.layers.sk_conv import weighted_sum
from skbuilder.nn.ops import build_block, build_op
from skbuilder.testing import (
    block_args,
    block_inputs,
    examples,
    images,
    inputs,
    network_specs,
    sk_conv_args,
    sk_settings,
)
from skbuilder.testing import reference as ref
from skbuilder.testing.invariants import seeded
from skbuilder.testing.strategies import BUILTIN_KINDS

MODES = st.sampled_from(("train", "eval", "eval, no grad"))
DTYPES = st.sampled_from((torch.float32, torch.float64))


def image(c: int, h: int, w: int, *, batch: int = 3, seed: int = 0) -> Tensor:
    return torch.randn(batch, c, h, w, generator=torch.Generator().manual_seed(seed))


def prepared(module: nn.Module, x: Tensor, dtype: torch.dtype) -> tuple[nn.Module, Tensor]:
    """``module`` with every parameter and BN statistic random, in ``dtype``; and ``x``."""
    return ref.randomize(module).to(dtype), x.to(dtype)


def check(module: nn.Module, x: Tensor, oracle: ref.Oracle, how: str) -> None:
    ref.check_reference(module, x, oracle, training=how == "train", no_grad=how == "eval, no grad")


# -- SK convolution -----------------------------------------------------------------------


@st.composite
def sk_cases(draw: st.DrawFn) -> tuple[tuple[int, int, int, SKSpec], Tensor]:
    args = draw(sk_conv_args(settings=sk_settings(max_M=3)))
    return args, draw(block_inputs(args, max_size=9))


PAPER = SKSpec(M=2, G=4, r=2, L=4)  # two branches, 3x3 and dilated 3x3 (a 5x5 field)
SK_EXAMPLES = [
    ((16, 16, 2, PAPER), image(16, 9, 7)),
    ((8, 8, 1, SKSpec(M=2, G=2, r=16, L=3)), image(8, 5, 6, seed=1)),  # d = L > C/r
    ((12, 12, 1, SKSpec(M=2, r=8, L=1)), image(12, 4, 4, seed=2)),  # C/r = 1.5: d = 1
    ((12, 8, 1, SKSpec(M=3, G=2, L=2, split_input=True)), image(12, 6, 5, seed=3)),
    ((4, 6, 2, SKSpec(kernels=(3, 5), select="sum", dilate=False)), image(4, 6, 6, seed=4)),
    ((8, 8, 1, SKSpec(M=3, G=2, r=4, L=2)), image(8, 5, 5, seed=6)),  # 6th: M = 3 in eval, no grad
    (
        (
            6,
            4,
            2,
            SKSpec.model_validate(
                {"branches": [{"kernel": 3, "dilation": 2, "groups": 1}, {"kernel": 5}], "G": 2}
            ),
        ),
        image(6, 7, 8, seed=5),
    ),
]


def with_examples(cases: list, hows: tuple[str, str, str], dtypes: tuple[torch.dtype, ...]):
    """Every case as an explicit example, the i-th in mode ``hows[i % 3]`` and dtype
    ``dtypes[i % 2]``, so that every mode and dtype meets several settings in every run."""

    def decorate(test):
        for i, case in enumerate(cases):
            test = example(case=case, how=hows[i % 3], dtype=dtypes[i % 2])(test)
        return test

    return decorate


@examples(0.1)
@given(case=sk_cases(), how=MODES, dtype=DTYPES)
@with_examples(SK_EXAMPLES, ("train", "eval", "eval, no grad"), (torch.float32, torch.float64))
def test_sk_conv_matches_reference(case, how: str, dtype: torch.dtype) -> None:
    (w_in, w_out, stride, sk), x = case
    with seeded(0):
        module = SKConv(w_in, w_out, stride=stride, sk=sk)
    module, x = prepared(module, x, dtype)

    def oracle(r: ref.Reference, m: nn.Module, x: Tensor) -> Tensor:
        return ref.sk_conv(r, m, x, w_in=w_in, w_out=w_out, stride=stride, sk=sk)

    check(module, x, oracle, how)


# -- blocks, with every attention ---------------------------------------------------------

BlockCase = tuple[str, tuple[int, int, int, BlockParams], Tensor]


@st.composite
def block_cases(draw: st.DrawFn) -> BlockCase:
    kind = draw(st.sampled_from(BUILTIN_KINDS))
    args = draw(block_args(kind, settings=sk_settings(max_M=2, max_G=2), max_width=12))
    return kind, args, draw(block_inputs(args, max_size=8))


def _params(w_mid: int, sk: SKSpec = PAPER, attention=None, groups: int = 1) -> BlockParams:
    return BlockParams(w_mid=w_mid, sk=sk, attention=attention, groups=groups)


SMALL_SK = SKSpec(M=2, G=2, r=4, L=2)
BLOCK_EXAMPLES: list[BlockCase] = [
    ("sk_bottleneck", (8, 16, 2, _params(8, SMALL_SK)), image(8, 6, 7)),
    ("sk_bottleneck", (8, 8, 1, _params(4, SMALL_SK)), image(8, 5, 5, seed=1)),
    (
        "bottleneck",
        (4, 8, 1, _params(4, attention=NoAttention(), groups=2)),
        image(4, 5, 4, seed=2),
    ),
    (
        "bottleneck",
        (8, 8, 2, _params(4, attention=SEAttention(r=2), groups=2)),
        image(8, 6, 6, seed=3),
    ),
    ("basic", (4, 6, 2, _params(6, attention=CBAMAttention(r=2, kernel=3))), image(4, 7, 6)),
    ("sk_basic", (4, 4, 1, _params(6, SMALL_SK)), image(4, 6, 5, seed=5)),
    ("shufflenet_v2", (8, 8, 1, _params(8, SMALL_SK, SEAttention(r=2))), image(8, 5, 6)),
    ("shufflenet_v2", (4, 8, 2, _params(8, SMALL_SK)), image(4, 7, 7, seed=7)),
    (
        "shufflenet_v2",
        (8, 8, 1, _params(8, SMALL_SK, CBAMAttention(r=2, kernel=3))),
        image(8, 4, 4),
    ),
]


@examples(0.1)
@given(case=block_cases(), how=MODES, dtype=DTYPES)
@with_examples(BLOCK_EXAMPLES, ("eval", "train", "eval, no grad"), (torch.float64, torch.float32))
def test_blocks_match_reference(case: BlockCase, how: str, dtype: torch.dtype) -> None:
    kind, args, x = case
    with seeded(0):
        module = build_block(describe(kind), *args)
    module, x = prepared(module, x, dtype)

    def oracle(r: ref.Reference, m: nn.Module, x: Tensor) -> Tensor:
        return ref.block(r, m, x, kind, args)

    check(module, x, oracle, how)


# -- BAM, stem, head ----------------------------------------------------------------------


@examples(0.05)
@given(
    channels=st.integers(1, 12),
    r=st.integers(1, 8),
    dilation=st.integers(1, 3),
    how=MODES,
    dtype=DTYPES,
    data=st.data(),
)
@example(channels=8, r=2, dilation=2, how="eval", dtype=torch.float64, data=None)
@example(channels=6, r=4, dilation=1, how="train", dtype=torch.float32, data=None)
def test_bam_matches_reference(channels, r, dilation, how, dtype, data) -> None:
    x = image(channels, 5, 6) if data is None else data.draw(images(channels, max_size=8))
    with seeded(0):
        module = build_op(BAM(channels, r, dilation))
    module, x = prepared(module, x, dtype)

    def oracle(ref_: ref.Reference, m: nn.Module, x: Tensor) -> Tensor:
        return ref.bam(ref_, m, x, r=r, dilation=dilation)

    check(module, x, oracle, how)


@examples(0.05)
@given(
    kind=st.sampled_from(("classic", "deep", "conv3x3")),
    width=st.sampled_from((2, 4, 6)),
    stride=st.sampled_from((1, 2)),
    pool=st.booleans(),
    how=MODES,
    dtype=DTYPES,
)
@example(kind="classic", width=4, stride=2, pool=True, how="eval", dtype=torch.float64)
@example(kind="deep", width=6, stride=2, pool=True, how="train", dtype=torch.float32)
def test_stem_matches_reference(kind, width, stride, pool, how, dtype) -> None:
    with seeded(0):
        module = build_op(Stem(3, width, kind, pool, stride))
    module, x = prepared(module, image(3, 11, 10), dtype)

    def oracle(r: ref.Reference, m: nn.Module, x: Tensor) -> Tensor:
        return ref.stem(r, m, x, width=width, kind=kind, pool=pool, stride=stride)

    check(module, x, oracle, how)


@examples(0.05)
@given(
    num_classes=st.integers(0, 5),
    conv=st.sampled_from((None, 3)),
    how=st.sampled_from(("eval", "eval, no grad")),  # dropout draws at random in train mode
    dtype=DTYPES,
)
@example(num_classes=5, conv=3, how="eval", dtype=torch.float64)
@example(num_classes=4, conv=None, how="eval", dtype=torch.float32)
def test_head_matches_reference(num_classes, conv, how, dtype) -> None:
    with seeded(0):
        module = build_op(Head(4, num_classes, 0.5, conv))
    module, x = prepared(module, image(4, 3, 5), dtype)

    def oracle(r: ref.Reference, m: nn.Module, x: Tensor) -> Tensor:
        return ref.head(r, m, x, num_classes=num_classes, conv=conv)

    check(module, x, oracle, how)


# -- fused inference, weighted sum -------------------------------------------------------


@examples(0.1)
@given(case=block_cases(), with_bam=st.booleans())
@example(case=BLOCK_EXAMPLES[0], with_bam=True)
@example(case=BLOCK_EXAMPLES[4], with_bam=True)
def test_fused_inference_equals_the_original(case: BlockCase, with_bam: bool) -> None:
    """In float64, so a fold off by eps (running variances reach 1e-3) shows."""
    kind, args, x = case
    with seeded(0):
        module: nn.Module = build_block(describe(kind), *args)
        if with_bam:
            module = nn.Sequential(module, build_op(BAM(args[1], 2, 2)))
    module, x = prepared(module, x, torch.float64)
    module.eval()
    fused = fuse_for_inference(module)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in fused.modules())
    with torch.no_grad():
        torch.testing.assert_close(fused(x), module(x))


@given(
    batch=st.integers(1, 3),
    M=st.integers(1, 4),
    channels=st.integers(1, 6),
    size=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_weighted_sum_paths_equal_the_plain_sum(batch, M, channels, size, seed) -> None:
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(batch, M, channels, 1, 1, generator=g)
    u = [torch.randn(batch, channels, size, size, generator=g) for _ in range(M)]
    expected = ref.weighted_sum(a, u)
    kept = [t.clone() for t in u]
    with torch.no_grad():  # in place, into a copy of U_1
        torch.testing.assert_close(weighted_sum(a, [t.clone() for t in u]), expected)
    with torch.inference_mode():
        torch.testing.assert_close(weighted_sum(a, [t.clone() for t in u]), expected)
    a_grad = a.clone().requires_grad_(True)
    torch.testing.assert_close(weighted_sum(a_grad, u).detach(), expected)
    assert all(torch.equal(t, k) for t, k in zip(u, kept)), "the autograd path changed U"


# -- whole networks -----------------------------------------------------------------------


@examples(0.05)
@given(spec=network_specs(max_stages=2, max_width=12, max_image_size=16), data=st.data())
def test_networks_match_reference(spec, data) -> None:
    """Stem, blocks, BAMs and head in the order the spec gives them (eval mode: the head's
    dropout is random in train mode, and the blocks are checked in train mode above)."""
    with seeded(0):
        model = build_model(spec)
    x = data.draw(inputs(spec, max_size=16))
    model, x = prepared(model, x, torch.float64)
    ref.check_reference(model, x, ref.network, training=False)
