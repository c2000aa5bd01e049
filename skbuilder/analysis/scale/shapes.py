"""A synthetic classification set: one filled or outlined shape per image, at a chosen size.

Nothing is downloaded: images are drawn from a seed, so the same arguments give the same tensors
on every machine. Each image is a plain or tinted background with a smooth brightness ramp and
pixel noise, and one shape of a contrasting colour whose side (its bounding box, in pixels) is
given per call: a fixed value or a range drawn log-uniformly. Shapes are drawn 3x3 supersampled,
so edges are antialiased at every size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

# Inside-tests in the shape's own frame: u, v in [-1, 1] span its bounding box.
_INSIDE: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "disk": lambda u, v: u * u + v * v <= 1,
    "ring": lambda u, v: (u * u + v * v <= 1) & (u * u + v * v >= 0.55**2),
    "square": lambda u, v: torch.maximum(u.abs(), v.abs()) <= 1,
    "frame": lambda u, v: (
        (torch.maximum(u.abs(), v.abs()) <= 1) & (torch.maximum(u.abs(), v.abs()) >= 0.55)
    ),
    "triangle": lambda u, v: (v.abs() <= 1) & (2 * u.abs() <= v + 1),
    "cross": lambda u, v: ((u.abs() <= 0.3) & (v.abs() <= 1)) | ((v.abs() <= 0.3) & (u.abs() <= 1)),
}
SHAPES: tuple[str, ...] = tuple(_INSIDE)
SUPERSAMPLE = 3
_CHUNK = 128


@dataclass(frozen=True)
class Shapes:
    """A drawn set: images in [0, 1], labels (index into ``classes``), each object's side and
    centre (x, y) in pixels."""

    images: Tensor  # (N, 3, H, W) float32
    labels: Tensor  # (N,) int64
    sizes: Tensor  # (N,) float32
    centers: Tensor  # (N, 2) float32
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)


def make_shapes(
    n: int,
    *,
    image_size: int = 64,
    object_size: float | tuple[float, float] = 16.0,
    classes: tuple[str, ...] = SHAPES,
    max_shift: float | None = None,
    noise: float = 0.04,
    seed: int = 0,
) -> Shapes:
    """``n`` images of ``image_size`` x ``image_size``, the classes in equal numbers (in a seeded
    random order). ``object_size`` is the shape's side in pixels, or a (low, high) range drawn
    log-uniformly. Centres are shifted from the image centre by up to ``max_shift`` pixels in
    x and y (default image_size / 16), less where the shape would leave the image.

    Every random draw is made whatever the sizes, so two calls that differ only in
    ``object_size`` give the same labels, colours, shifts and noise: matched pairs of one scene
    at two object sizes."""
    g = torch.Generator().manual_seed(seed)
    labels, sizes, centers = placements(n, image_size, object_size, classes, max_shift, g)
    background, foreground = _colours(n, g)
    ramp_angle = 2 * math.pi * torch.rand(n, generator=g)
    ramp_depth = 0.15 * torch.rand(n, generator=g)

    axis = (torch.arange(image_size) + 0.5) / image_size - 0.5
    images = torch.empty(n, 3, image_size, image_size)
    for start in range(0, n, _CHUNK):  # a chunk at a time: temporaries stay small
        rows = slice(start, start + _CHUNK)
        alpha = coverage(labels[rows], sizes[rows], centers[rows], image_size, classes)[:, None]
        angle = ramp_angle[rows, None, None, None]
        ramp = angle.cos() * axis[None, None, None, :] + angle.sin() * axis[None, None, :, None]
        back = background[rows, :, None, None] * (1 + ramp_depth[rows, None, None, None] * ramp)
        chunk = back * (1 - alpha) + foreground[rows, :, None, None] * alpha
        chunk += noise * torch.randn(chunk.shape, generator=g)
        images[rows] = chunk.clamp_(0, 1)
    return Shapes(images, labels, sizes, centers, tuple(classes))


def placements(
    n: int,
    image_size: int,
    object_size: float | tuple[float, float],
    classes: tuple[str, ...],
    max_shift: float | None,
    g: torch.Generator,
) -> tuple[Tensor, Tensor, Tensor]:
    """The checked arguments' first draws from ``g``, shared by every scene generator: labels
    (classes in equal numbers, seeded order), sides (log-uniform over a range) and centres
    (shifted by up to ``max_shift`` px, default image_size / 16, less where the shape would
    leave the image). The draws are the same whatever the sizes."""
    if n < 1 or image_size < 4:
        raise ValueError(f"need n >= 1 and image_size >= 4, got n={n}, image_size={image_size}")
    unknown = [c for c in classes if c not in _INSIDE]
    if unknown or not classes:
        raise ValueError(f"unknown shape classes {unknown}; known: {', '.join(SHAPES)}")
    low, high = (object_size, object_size) if isinstance(object_size, int | float) else object_size
    if not 1 <= low <= high <= image_size:
        raise ValueError(f"object size must lie in [1, {image_size}] px, got {object_size}")
    shift = image_size / 16 if max_shift is None else max_shift
    labels = (torch.arange(n) % len(classes))[torch.randperm(n, generator=g)]
    u = torch.rand(n, generator=g)
    sizes = torch.exp(math.log(low) + u * (math.log(high) - math.log(low))).float()
    room = ((image_size - sizes) / 2).clamp(min=0).clamp(max=shift)
    centers = image_size / 2 + (2 * torch.rand(n, 2, generator=g) - 1) * room[:, None]
    return labels, sizes, centers


def _colours(n: int, g: torch.Generator) -> tuple[Tensor, Tensor]:
    """Background and object colours whose grey levels differ by 0.25 to 0.6, lightly tinted."""
    back_grey = torch.rand(n, generator=g)
    gap = 0.25 + 0.35 * torch.rand(n, generator=g)
    darker = back_grey > 0.5
    fore_grey = torch.where(darker, back_grey - gap, back_grey + gap).clamp(0, 1)
    tint = 0.15 * (2 * torch.rand(2, n, 3, generator=g) - 1)
    return (back_grey[:, None] + tint[0]).clamp(0, 1), (fore_grey[:, None] + tint[1]).clamp(0, 1)


def coverage(
    labels: Tensor, sizes: Tensor, centers: Tensor, image_size: int, classes: tuple[str, ...]
) -> Tensor:
    """(N, H, W): the fraction of each pixel that shape ``classes[label]`` of side ``size``
    centred at (x, y) covers, from 3x3 samples per pixel."""
    fine = image_size * SUPERSAMPLE
    grid = (torch.arange(fine) + 0.5) / SUPERSAMPLE  # sample positions in pixel units
    out = torch.empty(len(labels), image_size, image_size)
    for start in range(0, len(labels), _CHUNK):  # bounds the supersampled (chunk, fine, fine)
        rows = slice(start, start + _CHUNK)
        half = (sizes[rows] / 2)[:, None, None]
        u = (grid[None, None, :] - centers[rows, 0, None, None]) / half
        v = (grid[None, :, None] - centers[rows, 1, None, None]) / half
        inside = torch.zeros(len(u), fine, fine)
        for index, name in enumerate(classes):
            mine = labels[rows] == index
            if mine.any():
                inside[mine] = _INSIDE[name](u[mine], v[mine]).float()
        out[rows] = torch.nn.functional.avg_pool2d(inside[:, None], SUPERSAMPLE)[:, 0]
    return out
