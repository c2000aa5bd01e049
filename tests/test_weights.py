"""State dict files and checked loading, on a tiny spec (no timm needed)."""

from __future__ import annotations

import pytest
import torch

from skbuilder import build_model
from skbuilder.interop.weights import (
    WeightFileError,
    WeightImportError,
    load_state_dict_file,
    load_weights,
    save_state_dict_file,
)
from tests.tiny_specs import tiny_spec


def _trained_looking(model: torch.nn.Module) -> torch.nn.Module:
    """Give every parameter and BN statistic non-default values, so a lost tensor shows."""
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            else:
                tensor.normal_(0.0, 0.2)
    return model.eval()


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors"])
def test_state_dict_round_trip_through_file_gives_identical_outputs(tmp_path, suffix):
    source = _trained_looking(build_model(tiny_spec()))
    path = save_state_dict_file(source, tmp_path / f"weights{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind

    target = build_model(tiny_spec()).eval()
    load_weights(target, load_state_dict_file(path))

    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(source(x), target(x))


def test_checkpoint_wrapper_and_ddp_prefix_are_unwrapped(tmp_path):
    source = _trained_looking(build_model(tiny_spec()))
    wrapped = {"epoch": 3, "state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}
    torch.save(wrapped, tmp_path / "checkpoint.pth")
    state = load_state_dict_file(tmp_path / "checkpoint.pth")
    assert state.keys() == source.state_dict().keys()


def test_mismatched_state_dict_names_every_misfit_and_loads_nothing():
    model = build_model(tiny_spec())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = _trained_looking(build_model(tiny_spec())).state_dict()
    del state["head.fc.bias"]
    state["stages.2.0.conv1.conv.weight"] = torch.zeros(1)
    state["stem.convs.0.conv.weight"] = torch.zeros(16, 3, 3, 3)

    with pytest.raises(WeightImportError) as info:
        load_weights(model, state)

    err = info.value
    assert err.missing == ["head.fc.bias"]
    assert err.unexpected == ["stages.2.0.conv1.conv.weight"]
    assert [(m.key, m.model_shape, m.given_shape) for m in err.mismatched] == [
        ("stem.convs.0.conv.weight", (16, 3, 7, 7), (16, 3, 3, 3))
    ]
    message = str(err)
    assert "1 missing, 1 unexpected, 1 mis-shaped" in message
    for key in ("head.fc.bias", "stages.2.0.conv1.conv.weight", "(16, 3, 7, 7)"):
        assert key in message
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_batch_counters_may_be_absent():
    source = _trained_looking(build_model(tiny_spec()))
    state = {k: v for k, v in source.state_dict().items() if "num_batches_tracked" not in k}
    target = build_model(tiny_spec()).eval()
    load_weights(target, state)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(source(x), target(x))


def test_long_key_lists_are_cut_short():
    model = build_model(tiny_spec())
    with pytest.raises(WeightImportError) as info:
        load_weights(model, {})
    assert len(info.value.missing) > 8
    assert f"... and {len(info.value.missing) - 8} more" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("garbage.pt", b"not a zip file at all", "not a readable PyTorch weight file"),
        ("garbage.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{", "not a readable safetensors"),
        ("weights.npz", b"", "unknown weight file type '.npz'"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WeightFileError, match=expected) as info:
        load_state_dict_file(path)
    assert str(path) in str(info.value)


def test_truncated_file_is_reported(tmp_path):
    path = save_state_dict_file(build_model(tiny_spec()), tmp_path / "w.pt")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(WeightFileError, match="not a readable PyTorch weight file"):
        load_state_dict_file(path)


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"weights": torch.zeros(1), "thing": pytest.raises}, path)
    with pytest.raises(WeightFileError, match="Python objects besides tensors"):
        load_state_dict_file(path)


def test_a_file_without_tensors_is_not_a_state_dict(tmp_path):
    path = tmp_path / "numbers.pt"
    torch.save({"lr": 0.1}, path)
    with pytest.raises(WeightFileError, match="does not hold a state dict"):
        load_state_dict_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(WeightFileError, match="no such file"):
        load_state_dict_file(tmp_path / "absent.safetensors")
