"""Shapes on photographs: the photographs come from scikit-image's wheel, the scenes are
seeded, balanced and matched across object sizes; the positive control's target and the
size loss that trains it."""

from __future__ import annotations

import math

import pytest
import torch

from skbuilder import build_model, spec_from_dict
from skbuilder.analysis.scale import scenes
from skbuilder.analysis.scale.control import SizeTarget
from skbuilder.analysis.scale.scenes import PHOTOGRAPHS, PhotographError, make_scenes

pytest.importorskip("skimage")


def test_every_photograph_is_in_the_wheel() -> None:
    """Read from the installed package, never fetched: each file is there and at least as
    large as three images, so crops of every side fit."""
    folder = scenes.photograph_folder()
    assert all((folder / name).is_file() for name in PHOTOGRAPHS)
    for picture in scenes.photographs():
        assert picture.shape[0] == 3 and min(picture.shape[1:]) >= 288
        assert float(picture.min()) >= 0 and float(picture.max()) <= 1
    hashes = scenes.photograph_hashes()
    assert list(hashes) == list(PHOTOGRAPHS) and len(set(hashes.values())) == len(PHOTOGRAPHS)


def test_scenes_are_balanced_seeded_and_matched_across_sizes() -> None:
    data = make_scenes(24, image_size=48, object_size=(8, 32), seed=3)
    assert data.images.shape == (24, 3, 48, 48)
    assert float(data.images.min()) >= 0 and float(data.images.max()) <= 1
    assert torch.bincount(data.labels).tolist() == [4] * 6
    assert float(data.sizes.min()) >= 8 and float(data.sizes.max()) <= 32
    assert torch.equal(make_scenes(24, image_size=48, object_size=(8, 32), seed=3).images,
                       data.images)  # fmt: skip
    small = make_scenes(6, image_size=48, object_size=8, seed=5)
    large = make_scenes(6, image_size=48, object_size=16, seed=5)
    assert torch.equal(small.labels, large.labels) and torch.equal(small.centers, large.centers)
    # the same photograph crop: far from the shape the pixels agree up to the noise
    corner = (small.images[:, :, :6, :6] - large.images[:, :, :6, :6]).abs()
    assert float(corner.max()) == 0.0
    # backgrounds differ from scene to scene (real photographs, not a plain colour)
    assert float(small.images[:, :, :8, :8].std((2, 3)).mean()) > 0.03


def test_bad_arguments_and_a_missing_package_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown shape classes"):
        make_scenes(4, classes=("disk", "hexagon"))
    with pytest.raises(ValueError, match="object size"):
        make_scenes(4, image_size=32, object_size=40)

    def missing(name: str) -> None:
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(scenes.resources, "files", missing)
    with pytest.raises(PhotographError, match=r"pip install 'skbuilder\[scenes\]'"):
        scenes.photograph_folder()


def test_the_size_target_rises_with_log_size_and_its_loss_trains_attention() -> None:
    spec = spec_from_dict(
        {
            "name": "control_toy",
            "input": {"image_size": 32},
            "stem": {"width": 8},
            "sk": {"kernels": [5, 3], "G": 2, "r": 2, "L": 4},
            "stages": [{"name": "conv2", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 1}],
            "head": {"num_classes": 2},
        }
    )
    torch.manual_seed(0)
    model = build_model(spec)
    target = SizeTarget(model, ["conv2.0.conv2"], (4.0, 16.0), 0.5)
    assert target.branches == {"conv2.0.conv2": (0, 1)}  # the 5x5 is listed first
    sides = torch.tensor([4.0, 8.0, 16.0, 32.0])
    assert target.target(sides).tolist() == pytest.approx([-0.5, 0.0, 0.5, 0.5])
    small = torch.zeros(8, 3, 32, 32)
    small[:, :, 14:18, 14:18] = 1
    large = torch.zeros(8, 3, 32, 32)
    large[:, :, 8:24, 8:24] = 1
    images = torch.cat([small, large])
    sizes = torch.tensor([4.0] * 8 + [16.0] * 8)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with target:
        model.train()
        for _ in range(30):
            model(images)
            loss = target.loss(sizes)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    from skbuilder.analysis.attention import capture_attention

    a = capture_attention(model, images)["conv2.0.conv2"]
    d = (a[:, 0] - a[:, 1]).mean(1)  # larger field minus smaller
    assert float(d[8:].mean() - d[:8].mean()) > 0.5
    assert math.isfinite(float(loss.detach())) and not target._handles
    with pytest.raises(ValueError, match="no SK units"):
        SizeTarget(model, ["conv9.0.conv2"], (4.0, 16.0), 0.5)
