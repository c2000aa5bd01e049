"""Attention capture: names, shapes, values, hook hygiene, and the statistics the plots show."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from skbuilder import build_model, spec_from_dict
from skbuilder.analysis.attention import (
    AttentionCapture,
    attention_stats,
    capture_attention,
    sk_sites,
    stats_table,
)
from skbuilder.blocks import SKSpec
from skbuilder.nn.layers import SKConv

TINY = {
    "name": "tiny",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "a", "depth": 2, "mid_width": 8, "out_width": 16, "stride": 1},
        {"name": "b", "depth": 1, "mid_width": 16, "out_width": 16, "stride": 2, "sk": {"M": 3}},
        {"name": "c", "depth": 1, "out_width": 16, "stride": 1, "block": "bottleneck"},
        {"name": "d", "depth": 1, "out_width": 16, "stride": 2, "block": "sk_basic"},
    ],
    "head": {"num_classes": 5},
}
EXPECTED = {  # name -> (M, C): stage c has no SK conv; sk_basic's SK conv is conv1
    "a.0.conv2": (2, 8),
    "a.1.conv2": (2, 8),
    "b.0.conv2": (3, 16),
    "d.0.conv1": (2, 16),
}


@pytest.fixture
def tiny() -> nn.Module:
    return build_model(spec_from_dict(TINY)).eval()


def _selects(model: nn.Module) -> list[nn.Module]:
    return [m.select for m in model.modules() if isinstance(m, SKConv)]


def test_every_sk_conv_is_named_by_stage_block_and_attribute(tiny: nn.Module) -> None:
    sites = sk_sites(tiny)
    assert [s.name for s in sites] == list(EXPECTED)
    assert [s.block for s in sites] == ["a.0", "a.1", "b.0", "d.0"]
    assert [s.kernels for s in sites] == [(3, 5), (3, 5), (3, 5, 7), (3, 5)]
    assert sites[0].module is tiny.stages[0][0].conv2


def test_captured_attention_has_batch_m_c_shape_and_sums_to_one(tiny: nn.Module) -> None:
    attention = capture_attention(tiny, torch.randn(2, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in attention.items()} == {
        k: (2, *mc) for k, mc in EXPECTED.items()
    }
    for a in attention.values():
        torch.testing.assert_close(a.sum(1), torch.ones(a.shape[0], a.shape[2]))


def test_captured_attention_is_what_mixes_the_branches(tiny: nn.Module) -> None:
    """V = sum_m a_m U_m must hold with the captured a and the branches recomputed from the
    SK conv's input, so the capture is the select output of this very forward."""
    sk = tiny.stages[1][0].conv2
    seen: dict[str, torch.Tensor] = {}
    pre = sk.register_forward_pre_hook(lambda m, args: seen.update(x=args[0].clone()))
    post = sk.register_forward_hook(lambda m, args, out: seen.update(v=out.clone()))
    try:
        attention = capture_attention(tiny, torch.randn(2, 3, 32, 32))
    finally:
        pre.remove()
        post.remove()
    a = attention["b.0.conv2"]
    with torch.no_grad():
        u = sk.branch_outputs(seen["x"])
    mixed = sum(a[:, m, :, None, None] * u[m] for m in range(3))
    torch.testing.assert_close(mixed, seen["v"])


def test_hooks_are_removed_on_exit_and_on_error(tiny: nn.Module) -> None:
    with AttentionCapture(tiny):
        assert all(len(s._forward_hooks) == 1 for s in _selects(tiny))
    assert all(not s._forward_hooks for s in _selects(tiny))
    with pytest.raises(RuntimeError, match="boom"), AttentionCapture(tiny):
        raise RuntimeError("boom")
    assert all(not s._forward_hooks for s in _selects(tiny))


def test_a_capture_cannot_be_opened_twice(tiny: nn.Module) -> None:
    capture = AttentionCapture(tiny)
    with capture, pytest.raises(RuntimeError, match="already open"), capture:
        pass
    assert all(not s._forward_hooks for s in _selects(tiny))


def test_train_mode_capture_keeps_no_graph(tiny: nn.Module) -> None:
    tiny.train()
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    with AttentionCapture(tiny) as capture:
        tiny(x).sum().backward()
    assert tiny.training
    for a in capture.attention.values():
        assert not a.requires_grad and a.grad_fn is None and a.device.type == "cpu"


def test_the_record_is_a_copy_of_the_select_output(tiny: nn.Module) -> None:
    select = tiny.stages[0][0].conv2.select
    outputs: list[torch.Tensor] = []
    handle = select.register_forward_hook(lambda m, args, out: outputs.append(out))
    try:
        attention = capture_attention(tiny, torch.randn(2, 3, 32, 32))
    finally:
        handle.remove()
    kept = attention["a.0.conv2"].clone()
    outputs[0].zero_()
    torch.testing.assert_close(attention["a.0.conv2"], kept)


def test_forwards_inside_one_capture_are_concatenated_and_clear_forgets(tiny: nn.Module) -> None:
    x1, x2 = torch.randn(2, 3, 32, 32), torch.randn(3, 3, 32, 32)
    with AttentionCapture(tiny) as capture, torch.no_grad():
        tiny(x1)
        tiny(x2)
    both = capture.attention
    assert all(a.shape[0] == 5 for a in both.values())
    torch.testing.assert_close(both["a.0.conv2"][2:], capture_attention(tiny, x2)["a.0.conv2"])
    capture.clear()
    assert capture.attention == {}


def test_sk_convs_outside_stages_keep_their_module_path() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 1), SKConv(8, 8, sk=SKSpec(G=2, L=4)))
    attention = capture_attention(model.eval(), torch.randn(2, 3, 8, 8))
    assert list(attention) == ["1"]
    assert attention["1"].shape == (2, 2, 8)


def test_a_network_without_sk_convs_records_nothing(specs_dir) -> None:
    model = build_model(specs_dir / "resnext50_32x4d.yaml").eval()
    with AttentionCapture(model) as capture:
        assert capture.sites == []
    assert capture.stats() == []


def test_stats_are_branch_means_and_large_minus_small_per_channel() -> None:
    a = torch.tensor([[[0.2, 0.6], [0.3, 0.1], [0.5, 0.3]], [[0.4, 0.4], [0.4, 0.2], [0.2, 0.4]]])
    (stats,) = attention_stats({"x.0.conv2": a}, {"x.0.conv2": (3, 5, 7)})
    assert stats.M == 3 and stats.kernels == (3, 5, 7)
    assert stats.branch_mean == pytest.approx((0.4, 0.25, 0.35))
    torch.testing.assert_close(stats.difference, torch.tensor([0.05, -0.15]))
    with pytest.raises(ValueError, match="batch, M, C"):
        attention_stats({"bad": a[0]})


def test_capture_stats_carry_kernels_and_table_lists_every_sk_conv(tiny: nn.Module) -> None:
    with AttentionCapture(tiny) as capture, torch.no_grad():
        tiny(torch.randn(2, 3, 32, 32))
    stats = capture.stats()
    assert [s.kernels for s in stats] == [s.kernels for s in sk_sites(tiny)]
    for s in stats:
        assert sum(s.branch_mean) == pytest.approx(1.0, abs=1e-5)
    lines = stats_table(stats).splitlines()
    assert len(lines) == 1 + len(EXPECTED)
    assert [line.split()[0] for line in lines[1:]] == list(EXPECTED)


def test_the_difference_is_by_receptive_field_not_branch_order() -> None:
    """A unit whose spec lists its 5x5 first: the difference is still large minus small."""
    a = torch.tensor([[[0.7, 0.2], [0.3, 0.8]]])  # (batch 1, M 2, C 2): branch 0 is the 5x5
    (listed,) = attention_stats({"x.0.conv2": a}, {"x.0.conv2": (5, 3)})
    torch.testing.assert_close(listed.difference, torch.tensor([0.4, -0.6]))
    (unknown,) = attention_stats({"x.0.conv2": a})  # no fields: the last branch minus the first
    torch.testing.assert_close(unknown.difference, torch.tensor([-0.4, 0.6]))
