"""timm's SK-ResNet / SK-ResNeXt weights import into the models built from the shipped specs.

Runs where timm is installed (``pip install 'skbuilder[timm]'``); skipped otherwise.
"""

from __future__ import annotations

import pytest
import torch

from skbuilder import build_model
from skbuilder.interop.weights import (
    WeightImportError,
    import_timm_state_dict,
    load_state_dict_file,
    save_state_dict_file,
)

timm = pytest.importorskip("timm")

#: timm model name -> the shipped spec that reproduces it.
PAIRS = [
    ("skresnet18", "skresnet18"),
    ("skresnet34", "skresnet34"),
    ("skresnext50_32x4d", "sknet50"),
]
TOLERANCE = 1e-5


def _random_timm_model(name: str) -> torch.nn.Module:
    """timm's model with random weights, BN statistics and affine terms (not the defaults)."""
    model = timm.create_model(name, pretrained=False)
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if key.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            elif key.endswith(("running_mean", "bn.bias", "bn1.bias", "downsample.1.bias")):
                tensor.normal_(0.0, 0.1)
            elif key.endswith(("bn.weight", "bn1.weight", "downsample.1.weight")):
                tensor.uniform_(0.5, 1.5)
    return model.eval()


@pytest.mark.parametrize(("timm_name", "spec_name"), PAIRS)
def test_timm_weights_give_the_same_outputs(specs_dir, timm_name, spec_name):
    theirs = _random_timm_model(timm_name)
    ours = build_model(specs_dir / f"{spec_name}.yaml").eval()
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())

    import_timm_state_dict(ours, theirs.state_dict())

    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        diff = (ours(x) - theirs(x)).abs().max().item()
    assert diff <= TOLERANCE


def test_timm_weights_from_a_safetensors_file(specs_dir, tmp_path):
    theirs = _random_timm_model("skresnet18")
    path = save_state_dict_file(theirs, tmp_path / "skresnet18.safetensors")
    ours = build_model(specs_dir / "skresnet18.yaml").eval()
    import_timm_state_dict(ours, load_state_dict_file(path))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert (ours(x) - theirs(x)).abs().max().item() <= TOLERANCE


def test_the_wrong_spec_is_refused_with_timm_names(specs_dir):
    theirs = timm.create_model("skresnet34", pretrained=False)
    ours = build_model(specs_dir / "skresnet18.yaml")
    with pytest.raises(WeightImportError) as info:
        import_timm_state_dict(ours, theirs.state_dict())
    err = info.value
    assert not err.missing and not err.mismatched
    assert "layer1.2.conv1.paths.0.conv.weight" in err.unexpected  # timm's name, not ours
    assert "matches this timm model" in str(err)


def test_shapes_that_differ_are_named_in_both_namings(specs_dir):
    theirs = timm.create_model("skresnext50_32x4d", pretrained=False, num_classes=10)
    ours = build_model(specs_dir / "sknet50.yaml")
    with pytest.raises(WeightImportError) as info:
        import_timm_state_dict(ours, theirs.state_dict())
    shapes = {(m.key, m.source_key, m.model_shape, m.given_shape) for m in info.value.mismatched}
    assert shapes == {
        ("head.fc.weight", "fc.weight", (1000, 2048), (10, 2048)),
        ("head.fc.bias", "fc.bias", (1000,), (10,)),
    }
    assert "head.fc.weight (from fc.weight): model (1000, 2048), given (10, 2048)" in str(
        info.value
    )


def test_attention_command_plots_timm_weights(specs_dir, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from skbuilder.analysis.attention import AttentionCapture, stats_table
    from skbuilder.analysis.images import random_batch
    from skbuilder.cli import main

    weights = tmp_path / "timm.safetensors"
    save_state_dict_file(_random_timm_model("skresnet18"), weights)
    out = tmp_path / "attention.png"
    argv = ["attention", str(specs_dir / "skresnet18.yaml"), "--random", "--input-size", "64"]
    assert main([*argv, "--timm-weights", str(weights), "-o", str(out)]) == 0
    assert out.is_file()

    model = build_model(specs_dir / "skresnet18.yaml").eval()
    import_timm_state_dict(model, load_state_dict_file(weights))
    with AttentionCapture(model) as capture, torch.no_grad():
        model(random_batch(4, 3, 64, seed=0))
    assert stats_table(capture.stats()) in capsys.readouterr().out
