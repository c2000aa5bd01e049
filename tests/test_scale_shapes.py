"""The synthetic shapes: sizes, labels and positions as asked, matched scenes across sizes,
the same tensors from the same seed; and a short training run that lowers the loss."""

from __future__ import annotations

import math

import pytest
import torch

from skbuilder import build_model, spec_from_dict
from skbuilder.analysis.scale import enlarge
from skbuilder.analysis.scale.shapes import SHAPES, coverage, make_shapes
from skbuilder.analysis.scale.training import train_classifier


def _extent(mask: torch.Tensor) -> tuple[float, float]:
    """Width and height of a (H, W) coverage mask in pixels, counting partly covered pixels
    by their largest coverage across the other axis."""
    return float(mask.amax(0).sum()), float(mask.amax(1).sum())


@pytest.mark.parametrize("side", [8, 20, 31])
def test_every_shape_spans_the_asked_side(side: int) -> None:
    labels = torch.arange(len(SHAPES))
    sizes = torch.full((len(SHAPES),), float(side))
    centers = torch.full((len(SHAPES), 2), 32.0)
    masks = coverage(labels, sizes, centers, 64, SHAPES)
    for name, mask in zip(SHAPES, masks):
        assert _extent(mask) == pytest.approx((side, side), abs=1.0), name


def test_shapes_differ_from_each_other() -> None:
    labels = torch.arange(len(SHAPES))
    masks = coverage(labels, torch.full((6,), 24.0), torch.full((6, 2), 32.0), 64, SHAPES)
    areas = masks.sum((1, 2))
    assert len({round(float(a)) for a in areas}) == len(SHAPES)  # no two fill the same area


def test_labels_are_balanced_and_sizes_in_range() -> None:
    data = make_shapes(60, image_size=48, object_size=(10, 30), seed=3)
    assert data.images.shape == (60, 3, 48, 48) and data.images.dtype == torch.float32
    assert float(data.images.min()) >= 0 and float(data.images.max()) <= 1
    assert torch.bincount(data.labels).tolist() == [10] * len(SHAPES)
    assert data.classes == SHAPES and len(data) == 60
    assert float(data.sizes.min()) >= 10 and float(data.sizes.max()) <= 30
    logs = data.sizes.log()  # log-uniform: the log sizes spread over the whole range
    assert float(logs.max() - logs.min()) > 0.8 * math.log(3)
    offset = (data.centers - 24).abs()
    assert float(offset.max()) <= 48 / 16  # default shift
    assert bool((data.centers - data.sizes[:, None] / 2 >= 0).all())
    assert bool((data.centers + data.sizes[:, None] / 2 <= 48).all())


def test_fixed_size_and_chosen_classes() -> None:
    data = make_shapes(8, object_size=12, classes=("ring", "cross"), max_shift=0, seed=1)
    assert data.sizes.tolist() == [12.0] * 8
    assert torch.equal(data.centers, torch.full((8, 2), 32.0))
    assert sorted(data.labels.tolist()) == [0] * 4 + [1] * 4


def test_same_seed_same_tensors_and_sizes_give_matched_scenes() -> None:
    a = make_shapes(12, object_size=12, seed=7)
    again = make_shapes(12, object_size=12, seed=7)
    other = make_shapes(12, object_size=12, seed=8)
    assert torch.equal(a.images, again.images)
    assert not torch.equal(a.images, other.images)
    big = make_shapes(12, object_size=24, seed=7)
    assert torch.equal(a.labels, big.labels) and torch.equal(a.centers, big.centers)
    # Only the pixels the larger shape may cover change.
    for i in range(12):
        x, y = big.centers[i].round().int().tolist()
        outside = torch.ones(64, 64, dtype=torch.bool)
        outside[y - 13 : y + 13, x - 13 : x + 13] = False
        assert torch.equal(a.images[i][:, outside], big.images[i][:, outside])


def test_enlarging_a_drawn_shape_matches_drawing_it_larger() -> None:
    labels = torch.arange(len(SHAPES))
    centre = torch.full((6, 2), 32.0)
    small = coverage(labels, torch.full((6,), 16.0), centre, 64, SHAPES)
    large = coverage(labels, torch.full((6,), 32.0), centre, 64, SHAPES)
    enlarged = enlarge(small[:, None], 2.0)[:, 0]
    assert float((enlarged - large).abs().mean()) < 0.02
    for name, mask, reference in zip(SHAPES, enlarged, large):
        assert _extent(mask) == pytest.approx(_extent(reference), abs=1.25), name


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown shape classes"):
        make_shapes(4, classes=("disk", "hexagon"))
    with pytest.raises(ValueError, match="object size"):
        make_shapes(4, image_size=32, object_size=40)
    with pytest.raises(ValueError, match="n >= 1"):
        make_shapes(0)


def test_a_short_training_run_lowers_the_loss() -> None:
    """32 steps on squares and crosses halve the loss on held-out images."""
    spec = spec_from_dict(
        {
            "name": "shapes_test",
            "input": {"image_size": 32},
            "stem": {"width": 8},
            "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
            "stages": [
                {"name": "conv2", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 1},
                {"name": "conv3", "depth": 1, "mid_width": 16, "out_width": 32, "stride": 2},
            ],
            "head": {"num_classes": 2},
        }
    )
    model = build_model(spec)
    classes = ("square", "cross")
    held_out = make_shapes(64, image_size=32, object_size=(12, 24), classes=classes, seed=99)

    def loss() -> float:
        model.eval()
        with torch.no_grad():
            x = (held_out.images - 0.5) / 0.25
            return float(torch.nn.functional.cross_entropy(model(x), held_out.labels))

    def batches(epoch: int):
        data = make_shapes(256, image_size=32, object_size=(12, 24), classes=classes, seed=epoch)
        for i in range(0, 256, 32):
            yield (data.images[i : i + 32] - 0.5) / 0.25, data.labels[i : i + 32]

    before = loss()
    steps = train_classifier(model, batches, epochs=4, steps_per_epoch=8, lr=0.2)
    assert len(steps) == 32 and not model.training
    assert loss() < 0.5 * before
