"""What users of timm and torchvision expect: head overrides in ``build_model`` and the
``torch.hub`` entry points of a local checkout (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder import SpecError, build_model, save_model, summarize
from tests.tiny_specs import tiny_spec

ROOT = Path(__file__).resolve().parent.parent


def test_num_classes_and_dropout_replace_the_heads_and_the_spec_says_so() -> None:
    model = build_model(tiny_spec(), num_classes=3, dropout=0.25)
    assert model.head.fc.out_features == 3 and model.head.dropout.p == 0.25
    assert model.spec.head.num_classes == 3 and model.spec.head.dropout == 0.25
    params = sum(p.numel() for p in model.parameters())
    assert summarize(model.spec).params == params
    features = build_model(tiny_spec(), num_classes=0).eval()
    assert features(torch.randn(2, 3, 32, 32)).shape == (2, 32)
    with pytest.raises(SpecError, match=r"head\.num_classes"):
        build_model(tiny_spec(), num_classes=-1)


def test_hub_entry_points_of_a_local_checkout(tmp_path) -> None:
    model = torch.hub.load(str(ROOT), "shufflenetv2_x0_5", source="local", num_classes=7)
    assert model.spec.name == "shufflenetv2_x0_5" and model.head.fc.out_features == 7
    backbone = torch.hub.load(
        str(ROOT), "shufflenetv2_x0_5", source="local", features_only=True, out_indices=(2, 3)
    )
    assert backbone.channels() == [96, 192]
    with pytest.raises(ValueError, match="ships no pretrained weights"):
        torch.hub.load(str(ROOT), "sknet50", source="local", pretrained=True)

    folder = save_model(build_model(tiny_spec()).eval(), tmp_path / "tiny")
    again = torch.hub.load(str(ROOT), "from_folder", str(folder), source="local")
    assert again.spec == build_model(tiny_spec()).spec
