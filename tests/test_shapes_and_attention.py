"""Built models produce the shapes their specs predict, and SK attention is a softmax over M."""

from __future__ import annotations

import pytest
import torch

from skbuilder import build_model, load_spec, spec_from_dict, summarize
from skbuilder.nn.layers.sk_conv import Select
from tests.conftest import SPECS


@pytest.fixture(scope="module")
def sknet26() -> torch.nn.Module:
    return build_model(load_spec(SPECS / "sknet26.yaml"))


@pytest.mark.parametrize("size", [32, 33, 47, 64, 97, 128, 161, 224, 225, 320])
def test_any_input_size_from_32_gives_logits(sknet26: torch.nn.Module, size: int) -> None:
    spec = sknet26.spec
    sknet26.eval()
    with torch.no_grad():
        features = sknet26.forward_features(torch.randn(1, 3, size, size))
        logits = sknet26.head(features)
    expected = summarize(spec, size).stage_rows()[-1].shape
    assert tuple(features.shape[1:]) == expected
    assert logits.shape == (1, 1000)


@pytest.mark.parametrize("batch", [1, 2, 5])
@pytest.mark.parametrize("name", ["sknet50", "resnext50_32x4d", "skresnet18"])
def test_batch_sizes_in_eval_and_train(name: str, batch: int) -> None:
    model = build_model(load_spec(SPECS / f"{name}.yaml"))
    x = torch.randn(batch, 3, 64, 48)
    model.eval()
    with torch.no_grad():
        assert model(x).shape == (batch, 1000)
    if batch > 1:  # BatchNorm in training needs more than one value per channel
        model.train()
        assert model(x).shape == (batch, 1000)


def test_non_square_inputs_follow_the_analytic_size() -> None:
    spec = load_spec(SPECS / "sknet26.yaml")
    model = build_model(spec).eval()
    with torch.no_grad():
        out = model.forward_features(torch.randn(1, 3, 75, 131))
    # every stride-2 layer halves, rounding up: 75 -> 38 -> 19 -> 10 -> 5 -> 3
    assert tuple(out.shape[2:]) == (3, 5)


def test_attention_sums_to_one_over_branches_for_every_sample_and_channel() -> None:
    spec = spec_from_dict(
        {
            "name": "tiny",
            "sk": {"M": 3, "G": 4, "r": 4, "L": 8},
            "stem": {"width": 16},
            "stages": [
                {"depth": 2, "mid_width": 16, "out_width": 32, "stride": 1},
                {"depth": 1, "mid_width": 32, "out_width": 64, "stride": 2},
                {"depth": 1, "out_width": 32, "stride": 2, "block": "sk_basic"},
            ],
            "head": {"num_classes": 10},
        }
    )
    model = build_model(spec)
    captured: list[torch.Tensor] = []
    handles = [
        m.register_forward_hook(lambda _m, _i, out: captured.append(out))
        for m in model.modules()
        if isinstance(m, Select)
    ]
    for mode in (model.train, model.eval):
        mode()
        captured.clear()
        model(torch.randn(4, 3, 40, 40))
        assert len(captured) == 4  # one SK conv per block
        for a in captured:
            assert a.shape[:2] == (4, 3)
            assert torch.all(a > 0) and torch.all(a < 1)
            torch.testing.assert_close(a.sum(1), torch.ones_like(a.sum(1)))
    for h in handles:
        h.remove()
