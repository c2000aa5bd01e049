"""Turning image files into network input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder.analysis.images import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ImageError,
    image_batch,
    random_batch,
    read_image,
    resize_center_crop,
)


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
