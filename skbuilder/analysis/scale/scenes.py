"""Shapes on photographs: one shape per image, pasted on a random crop of a real photograph.

The photographs are the ones scikit-image ships inside its wheel (``skimage/data``; nothing is
fetched: files that scikit-image downloads on demand are not used), read straight from the
installed package with Pillow. Each image is a random crop of one photograph (random side,
position and mirror), resized to the input size, with one shape of the ``shapes`` module drawn
on it in a colour that contrasts with the photograph under the shape, plus a little pixel
noise. As in ``make_shapes``, every random draw is made whatever the object sizes, so two calls
that differ only in ``object_size`` give the same scenes with shapes of other sizes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from skbuilder.analysis.scale.shapes import SHAPES, Shapes, coverage, placements

#: Photographs in scikit-image's wheel (skimage/data), colour and grey; all at least 300 px.
PHOTOGRAPHS: tuple[str, ...] = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "moon.png",
    "motorcycle_left.png",
    "retina.jpg",
    "rocket.jpg",
)
_CHUNK = 128


class PhotographError(RuntimeError):
    """scikit-image, or one of the photographs in its wheel, is missing."""


def photograph_folder() -> Path:
    """The folder of scikit-image's bundled images (PhotographError without scikit-image)."""
    try:
        spec = resources.files("skimage")
    except ModuleNotFoundError:
        raise PhotographError(
            "the scenes need scikit-image's bundled photographs: pip install 'skbuilder[scenes]'"
        ) from None
    return Path(str(spec)) / "data"


@lru_cache(maxsize=1)
def photographs() -> tuple[Tensor, ...]:
    """Every photograph of ``PHOTOGRAPHS`` as a (3, H, W) float tensor in [0, 1]."""
    from PIL import Image

    folder = photograph_folder()
    out = []
    for name in PHOTOGRAPHS:
        path = folder / name
        try:
            with Image.open(path) as image:
                rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        except OSError as exc:
            raise PhotographError(f"{path}: cannot read scikit-image's photograph: {exc}") from None
        out.append(torch.from_numpy(rgb).permute(2, 0, 1).contiguous())
    return tuple(out)


def photograph_hashes() -> dict[str, str]:
    """name -> SHA-256 of the file: what the scenes were drawn on."""
    folder = photograph_folder()
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in PHOTOGRAPHS}


def make_scenes(
    n: int,
    *,
    image_size: int = 96,
    object_size: float | tuple[float, float] = 16.0,
    classes: tuple[str, ...] = SHAPES,
    max_shift: float | None = None,
    noise: float = 0.03,
    seed: int = 0,
) -> Shapes:
    """``n`` images of ``image_size`` x ``image_size``: a shape of side ``object_size`` px (or a
    (low, high) range drawn log-uniformly) on a random crop of a photograph; classes in equal
    numbers in a seeded random order; centres shifted by up to ``max_shift`` px (default
    image_size / 16). The crop's side is 1 to 3 times the image size (at most the photograph's
    shorter side), so backgrounds come at several scales too."""
    g = torch.Generator().manual_seed(seed)
    labels, sizes, centers = placements(n, image_size, object_size, classes, max_shift, g)
    pictures = photographs()
    which = torch.randint(len(pictures), (n,), generator=g)
    crop = torch.rand(n, 3, generator=g)  # side, then top and left as fractions of the room
    mirror = torch.rand(n, generator=g) < 0.5
    gap = 0.4 + 0.3 * torch.rand(n, generator=g)  # contrast of the shape, in grey levels
    tint = 0.1 * (2 * torch.rand(n, 3, generator=g) - 1)

    backgrounds = torch.stack(
        [
            _background(pictures[int(which[i])], crop[i], bool(mirror[i]), image_size)
            for i in range(n)
        ]
    )
    images = torch.empty(n, 3, image_size, image_size)
    for start in range(0, n, _CHUNK):  # a chunk at a time: temporaries stay small
        rows = slice(start, start + _CHUNK)
        alpha = coverage(labels[rows], sizes[rows], centers[rows], image_size, classes)[:, None]
        back = backgrounds[rows]
        grey_under = (back.mean(1, keepdim=True) * alpha).sum((1, 2, 3)) / alpha.sum(
            (1, 2, 3)
        ).clamp(min=1e-6)
        fore_grey = torch.where(grey_under > 0.5, grey_under - gap[rows], grey_under + gap[rows])
        fore = (fore_grey[:, None] + tint[rows]).clamp(0, 1)
        chunk = back * (1 - alpha) + fore[:, :, None, None] * alpha
        chunk += noise * torch.randn(chunk.shape, generator=g)
        images[rows] = chunk.clamp_(0, 1)
    return Shapes(images, labels, sizes, centers, tuple(classes))


def _background(picture: Tensor, crop: Tensor, mirror: bool, size: int) -> Tensor:
    """A square crop of ``picture`` (side 1 to 3 x ``size``, at most its shorter side) at the
    position ``crop`` gives, resized to ``size`` (antialiased), mirrored left-right if asked."""
    _, h, w = picture.shape
    largest = min(h, w, 3 * size)
    side = min(largest, round(size + float(crop[0]) * (largest - size)))
    top = round(float(crop[1]) * (h - side))
    left = round(float(crop[2]) * (w - side))
    patch = picture[None, :, top : top + side, left : left + side]
    if side != size:
        patch = F.interpolate(
            patch, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
    patch = patch[0].clamp(0, 1)
    return patch.flip(-1) if mirror else patch
