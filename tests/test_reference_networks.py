"""The shipped specs reproduce the paper's and the reference implementations' networks."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from skbuilder import build_model, load_spec, summarize
from tests.conftest import SPECS


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sknet50", 27_479_784),  # official Caffe SKNet-50 and timm skresnext50_32x4d
        ("resnext50_32x4d", 25_028_904),  # torchvision / timm resnext50_32x4d
    ],
)
def test_exact_parameter_counts(name: str, expected: int) -> None:
    spec = load_spec(SPECS / f"{name}.yaml")
    assert n_params(build_model(spec, device="meta")) == expected  # shapes only, no storage
    assert summarize(spec).params == expected


@pytest.mark.parametrize(
    ("name", "paper_params", "tolerance"),
    [("sknet101", 48.9e6, 0.005), ("sknet26", 16.75e6, 0.005)],
)
def test_parameter_counts_match_paper(name: str, paper_params: float, tolerance: float) -> None:
    spec = load_spec(SPECS / f"{name}.yaml")
    params = n_params(build_model(spec, device="meta"))
    assert abs(params - paper_params) / paper_params <= tolerance
    assert summarize(spec).params == params


@pytest.mark.parametrize(
    ("name", "paper_gmacs"),
    [("sknet50", 4.47), ("sknet101", 8.46), ("resnext50_32x4d", 4.24)],
)
def test_macs_match_paper(name: str, paper_gmacs: float) -> None:
    analytic = summarize(load_spec(SPECS / f"{name}.yaml"), 224).macs
    assert abs(analytic / 1e9 - paper_gmacs) / paper_gmacs <= 0.01


@pytest.mark.slow  # a full-size forward at 224x224; the per-stage test below checks at 64x64
@pytest.mark.parametrize("name", ["sknet50", "sknet101", "resnext50_32x4d"])
def test_flop_counter_agrees_at_224(name: str) -> None:
    spec = load_spec(SPECS / f"{name}.yaml")
    analytic = summarize(spec, 224).macs
    model = build_model(spec).eval()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.randn(1, 3, 224, 224))
    assert counter.get_total_flops() == 2 * analytic


def test_sk_overhead_over_resnext_is_about_five_percent() -> None:
    """The paper: SKNet-50 costs ~5% more MACs than ResNeXt-50 (4.47 vs 4.24 G)."""
    sk = summarize(load_spec(SPECS / "sknet50.yaml")).macs
    base = summarize(load_spec(SPECS / "resnext50_32x4d.yaml")).macs
    assert 1.04 < sk / base < 1.07


@pytest.mark.parametrize("name", ["sknet50", "sknet26", "skresnet18", "resnext50_32x4d"])
def test_per_stage_analytic_counts_equal_the_built_stages(name: str) -> None:
    spec = load_spec(SPECS / f"{name}.yaml")
    model = build_model(spec).eval()
    rows = {r.name: r for r in summarize(spec, 64).rows}
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        x = model.stem(x)
        assert rows["stem"].params == n_params(model.stem)
        assert rows["stem"].shape == tuple(x.shape[1:])
        for stage in model.stages:
            counter = FlopCounterMode(display=False)
            with counter:
                x = stage(x)
            row = rows[stage.name]
            assert row.shape == tuple(x.shape[1:])
            assert row.params == n_params(stage)
            assert 2 * row.macs == counter.get_total_flops()
    assert rows["head"].params == n_params(model.head)
