"""Loading our own state dicts strictly, and turning image files into network input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder import build_model, spec_from_dict
from skbuilder.images import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ImageError,
    image_batch,
    random_batch,
    read_image,
    resize_center_crop,
)
from skbuilder.weights import WeightsError, load_weights, read_state_dict

TINY = {
    "name": "tiny",
    "stem": {"width": 8},
    "sk": {"G": 2, "r": 2, "L": 4},
    "stages": [{"name": "a", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 2}],
    "head": {"num_classes": 3},
}


def _tiny(**changes: object) -> torch.nn.Module:
    return build_model(spec_from_dict({**TINY, **changes})).eval()


def _same_outputs(a: torch.nn.Module, b: torch.nn.Module) -> None:
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x))


def test_torch_save_round_trip(tmp_path: Path) -> None:
    source, target = _tiny(), _tiny()
    torch.save(source.state_dict(), tmp_path / "w.pt")
    load_weights(target, tmp_path / "w.pt")
    _same_outputs(source, target)


def test_safetensors_round_trip(tmp_path: Path) -> None:
    save_file = pytest.importorskip("safetensors.torch").save_file
    source, target = _tiny(), _tiny()
    save_file(source.state_dict(), str(tmp_path / "w.safetensors"))
    load_weights(target, tmp_path / "w.safetensors")
    _same_outputs(source, target)


def test_a_checkpoint_wrapping_the_state_dict_is_unwrapped(tmp_path: Path) -> None:
    source, target = _tiny(), _tiny()
    torch.save({"state_dict": source.state_dict(), "epoch": 3}, tmp_path / "ckpt.pth")
    load_weights(target, tmp_path / "ckpt.pth")
    _same_outputs(source, target)


def test_mismatch_lists_missing_unexpected_and_misshaped_keys(tmp_path: Path) -> None:
    state = _tiny(head={"num_classes": 7}).state_dict()
    del state["stem.convs.0.bn.running_var"]
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "w.pt")
    target = _tiny()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(WeightsError) as info:
        load_weights(target, tmp_path / "w.pt")
    message = str(info.value)
    assert "\n" not in message
    assert "1 missing: stem.convs.0.bn.running_var" in message
    assert "1 unexpected: extra.weight" in message
    assert "2 mis-shaped: head.fc.weight (file 7x16, model 3x16), head.fc.bias (file 7" in message
    for key, value in target.state_dict().items():  # nothing was copied
        assert torch.equal(value, before[key])


def test_long_key_lists_are_cut_short(tmp_path: Path) -> None:
    torch.save({f"k{i}": torch.zeros(1) for i in range(9)}, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match=r"9 unexpected: k0, k1, k2, k3 and 5 more"):
        load_weights(_tiny(), tmp_path / "w.pt")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a pickle", "cannot read weights"),
        (None, "no such file"),
    ],
)
def test_unreadable_files_are_explained(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "w.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(WeightsError, match=message):
        read_state_dict(path)


def test_a_pickled_module_is_refused_without_running_its_code(tmp_path: Path) -> None:
    torch.save(_tiny(), tmp_path / "model.pt")
    with pytest.raises(WeightsError, match=r"not a torch\.save file holding only tensors"):
        read_state_dict(tmp_path / "model.pt")


def test_a_file_that_is_not_a_state_dict_is_refused(tmp_path: Path) -> None:
    torch.save({"a": torch.zeros(1), "b": 3}, tmp_path / "w.pt")
    with pytest.raises(WeightsError, match="not a state dict: b are not tensors"):
        read_state_dict(tmp_path / "w.pt")
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(WeightsError, match="expected a non-empty state dict"):
        read_state_dict(tmp_path / "list.pt")


def test_png_rgba_and_grey_read_as_rgb(tmp_path: Path) -> None:
    imsave = pytest.importorskip("matplotlib.image").imsave
    rgb = torch.rand(6, 10, 3)
    imsave(tmp_path / "rgb.png", rgb.numpy())  # saved as RGBA, 8 bit
    image = read_image(tmp_path / "rgb.png")
    assert image.shape == (3, 6, 10)
    torch.testing.assert_close(image, rgb.permute(2, 0, 1), atol=1 / 255, rtol=0)


def test_single_channel_png_reads_as_grey_rgb(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pil = pytest.importorskip("PIL.Image")
    grey = torch.randint(0, 256, (5, 4), dtype=torch.uint8)
    pil.fromarray(grey.numpy()).save(tmp_path / "grey.png")
    image = read_image(tmp_path / "grey.png")
    assert image.shape == (3, 5, 4)
    for channel in image:
        torch.testing.assert_close(channel, grey.float() / 255)


def test_jpeg_reads_through_pillow(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pil = pytest.importorskip("PIL.Image")
    pixels = torch.full((6, 9, 3), 200, dtype=torch.uint8)
    pil.fromarray(pixels.numpy()).save(tmp_path / "flat.jpg")
    image = read_image(tmp_path / "flat.jpg")
    assert image.shape == (3, 6, 9)
    torch.testing.assert_close(image, torch.full((3, 6, 9), 200 / 255), atol=2 / 255, rtol=0)


def test_resize_keeps_the_centre_of_the_longer_side() -> None:
    image = torch.zeros(3, 20, 40)
    image[:, :, 10:30] = 1.0  # the central square is white, the sides black
    out = resize_center_crop(image, 10)
    assert out.shape == (3, 10, 10)
    assert out[:, :, 1:-1].min() > 0.99


def test_image_batch_is_normalised(tmp_path: Path) -> None:
    imsave = pytest.importorskip("matplotlib.image").imsave
    imsave(tmp_path / "white.png", torch.ones(8, 8, 3).numpy())
    batch = image_batch(tmp_path / "white.png", 16)
    assert batch.shape == (1, 3, 16, 16)
    expected = [(1 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)]
    torch.testing.assert_close(batch[0, :, 0, 0], torch.tensor(expected))


def test_bad_images_are_explained(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    (tmp_path / "fake.png").write_text("not an image")
    with pytest.raises(ImageError, match=r"fake\.png: cannot read image"):
        read_image(tmp_path / "fake.png")
    with pytest.raises(ImageError, match="no such file"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="4 input channels"):
        image_batch(tmp_path / "fake.png", 8, channels=4)


def test_random_batch_is_seeded() -> None:
    assert torch.equal(random_batch(2, 3, 8, seed=1), random_batch(2, 3, 8, seed=1))
    assert not torch.equal(random_batch(2, 3, 8, seed=1), random_batch(2, 3, 8, seed=2))
