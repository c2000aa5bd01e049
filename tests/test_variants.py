"""Every stem, block kind and SK option builds, and its analytic cost equals the built module's."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from skbuilder import build_model, spec_from_dict, summarize


def variant(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "variant",
        "stem": {"width": 16},
        "sk": {"G": 4, "r": 4, "L": 8},
        "stages": [
            {"depth": 2, "mid_width": 16, "out_width": 32, "stride": 1},
            {"depth": 1, "mid_width": 32, "out_width": 64, "stride": 2},
        ],
        "head": {"num_classes": 7},
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}  # None: leave the key out


VARIANTS = {
    "deep_stem": variant(stem={"kind": "deep", "width": 16}),
    "no_pool": variant(stem={"width": 16, "pool": False}),
    "three_branches": variant(sk={"M": 3, "G": 4, "r": 4, "L": 8}),
    "undilated_kernels": variant(
        sk={"kernels": [3, 5, 1], "G": 2, "r": 2, "L": 4, "dilate": False}
    ),
    "split_input": variant(sk={"M": 2, "G": 2, "r": 4, "L": 8, "split_input": True}),
    "plain_bottleneck": variant(
        sk=None,
        groups=4,
        stages=[{"depth": 2, "mid_width": 16, "out_width": 32, "stride": 2, "block": "bottleneck"}],
    ),
    "basic_blocks": variant(
        sk={"G": 1},
        stages=[
            {"depth": 1, "out_width": 16, "stride": 1, "block": "basic"},
            {"depth": 2, "out_width": 24, "stride": 2, "block": "sk_basic"},
        ],
    ),
    "features_only_head": variant(head={"num_classes": 0}),
    "dropout_head": variant(head={"num_classes": 3, "dropout": 0.5}),
    "four_channel_input": variant(input={"channels": 4, "image_size": 40}),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_analytic_cost_equals_built_module(name: str) -> None:
    spec = spec_from_dict(VARIANTS[name])
    model = build_model(spec).eval()
    size = 37
    summary = summarize(spec, size)
    assert summary.params == sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        out = model(torch.randn(2, spec.input.channels, size, size))
    assert counter.get_total_flops() == 2 * 2 * summary.macs  # batch 2, FLOPs = 2 x MACs
    assert tuple(out.shape[1:]) == summary.rows[-1].shape
