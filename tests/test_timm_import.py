"""timm's and torchvision's weights import into the models built from the shipped specs: every
pairing of ``skbuilder.interop.weights.references.PAIRINGS`` gives the reference's outputs.

Runs where timm (and torchvision) are installed (``pip install 'skbuilder[timm]'``); each test
is skipped cleanly where its library is missing.
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
from skbuilder.interop.weights.parity import measure, randomise, reference_model
from skbuilder.interop.weights.references import PAIRINGS, Pairing

#: The largest output difference allowed, relative to the largest output.
RELATIVE_TOLERANCE = 1e-5
TOLERANCE = 1e-5
#: Two input sizes: 97 is odd where the stem's pool rounds (Caffe's window gives 24, not 25).
SIZES = (64, 97)


def _needs(library: str) -> None:
    pytest.importorskip(library)
    if library == "timm":
        pytest.importorskip("torchvision")  # timm's own dependency


@pytest.mark.parametrize("pairing", PAIRINGS, ids=[p.label for p in PAIRINGS])
def test_every_pairing_has_equal_counts_and_outputs(pairing: Pairing) -> None:
    _needs(pairing.library)
    with torch.random.fork_rng():
        rows = measure(pairing, SIZES)
    for row in rows:
        assert row.reference_params == row.our_params
        assert row.relative <= RELATIVE_TOLERANCE, (row.image_size, row.max_abs_diff)


def _random_timm_model(name: str) -> torch.nn.Module:
    _needs("timm")
    return randomise(reference_model(Pairing("timm", name, "")))


def test_caffe_pool_is_what_makes_the_legacy_ports_equal() -> None:
    theirs = _random_timm_model("legacy_seresnext50_32x4d")
    caffe = build_model("senet50_caffe").eval()
    padded = build_model("senet50").eval()
    for model in (caffe, padded):
        import_timm_state_dict(model, theirs.state_dict())  # the same keys and shapes
    x = torch.randn(2, 3, 97, 97)
    with torch.no_grad():
        expected = theirs(x)
        scale = expected.abs().max().item()
        assert (caffe(x) - expected).abs().max().item() <= RELATIVE_TOLERANCE * scale
        assert (padded(x) - expected).abs().max().item() > 1e-3 * scale


def test_sknet50_caffe_is_timm_skresnext50_with_the_caffe_pool() -> None:
    theirs = _random_timm_model("skresnext50_32x4d")
    theirs.maxpool = torch.nn.MaxPool2d(3, 2, 0, ceil_mode=True)
    ours = build_model("sknet50_caffe").eval()
    import_timm_state_dict(ours, theirs.state_dict())
    for size in SIZES:
        x = torch.randn(2, 3, size, size)
        with torch.no_grad():
            expected = theirs(x)
            diff = (ours(x) - expected).abs().max().item()
        assert diff <= RELATIVE_TOLERANCE * expected.abs().max().item()


def test_timms_cbam_is_refused_and_nothing_loads() -> None:
    timm = pytest.importorskip("timm")
    theirs = timm.create_model("resnext50_32x4d", block_args={"attn_layer": "cbam"})
    ours = build_model("resnext50_cbam")
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    with pytest.raises(WeightImportError) as info:
        import_timm_state_dict(ours, theirs.state_dict())
    assert "layer1.0.se.channel.fc1.weight" in info.value.unexpected
    assert "no biases" in str(info.value) and "[mean, max]" in str(info.value)
    assert all(torch.equal(before[k], v) for k, v in ours.state_dict().items())


def test_torchvision_resnext_needs_the_torchvision_importer() -> None:
    models = pytest.importorskip("torchvision.models")
    from skbuilder.interop.weights import import_torchvision_state_dict

    theirs = randomise(models.shufflenet_v2_x0_5())
    ours = build_model("shufflenetv2_x0_5").eval()
    with pytest.raises(WeightImportError, match="does not look like a timm state dict"):
        import_timm_state_dict(ours, theirs.state_dict())
    import_torchvision_state_dict(ours, theirs.state_dict())
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert (ours(x) - theirs(x)).abs().max().item() <= TOLERANCE


def test_timm_weights_from_a_safetensors_file(specs_dir, tmp_path):
    theirs = _random_timm_model("skresnet18")
    path = save_state_dict_file(theirs, tmp_path / "skresnet18.safetensors")
    ours = build_model(specs_dir / "skresnet18.yaml").eval()
    import_timm_state_dict(ours, load_state_dict_file(path))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert (ours(x) - theirs(x)).abs().max().item() <= TOLERANCE


def test_the_wrong_spec_is_refused_with_timm_names(specs_dir):
    theirs = _random_timm_model("skresnet34")
    ours = build_model(specs_dir / "skresnet18.yaml")
    with pytest.raises(WeightImportError) as info:
        import_timm_state_dict(ours, theirs.state_dict())
    err = info.value
    assert not err.missing and not err.mismatched
    assert "layer1.2.conv1.paths.0.conv.weight" in err.unexpected  # timm's name, not ours
    assert "matches this timm model" in str(err)


def test_shapes_that_differ_are_named_in_both_namings(specs_dir):
    timm = pytest.importorskip("timm")
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
