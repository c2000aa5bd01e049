"""Image geometry of the analysis: the paper's evaluation crop and its object enlargement.

The paper evaluates at 224x224 after resizing the shorter side to 256 (a centre crop of 7/8),
and enlarges the object by cropping the centre 1/s of the image and resizing it back to the
input size (s = 1.0, 1.5, 2.0 in its Fig. 3).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

PAPER_CROP_FRACTION = 224 / 256


def _resize(images: Tensor, height: int, width: int) -> Tensor:
    """Bilinear, antialiased resize of a (N, C, H, W) batch."""
    return F.interpolate(
        images, size=(height, width), mode="bilinear", antialias=True, align_corners=False
    )


def center_crop(images: Tensor, height: int, width: int | None = None) -> Tensor:
    """The centre ``height`` x ``width`` of (..., H, W) images (as the crop of torchvision)."""
    width = height if width is None else width
    h, w = images.shape[-2:]
    if not (1 <= height <= h and 1 <= width <= w):
        raise ValueError(f"cannot crop {height}x{width} out of {h}x{w}")
    top, left = (h - height) // 2, (w - width) // 2
    return images[..., top : top + height, left : left + width]


def evaluation_crop(image: Tensor, size: int, crop_fraction: float = PAPER_CROP_FRACTION) -> Tensor:
    """Resize (C, H, W) so its shorter side is ``size / crop_fraction``, then crop the centre
    ``size`` x ``size``: 256 -> 224 at the paper's 7/8; 1.0 resizes straight to ``size``."""
    if not 0 < crop_fraction <= 1:
        raise ValueError(f"crop fraction must be in (0, 1], got {crop_fraction}")
    _, h, w = image.shape
    shorter = max(size, round(size / crop_fraction))
    scale = shorter / min(h, w)
    resized = _resize(
        image.unsqueeze(0), max(shorter, round(h * scale)), max(shorter, round(w * scale))
    )
    return center_crop(resized[0], size)


def enlarge(images: Tensor, scale: float) -> Tensor:
    """Make the object ``scale`` times larger: crop the centre 1/scale of (N, C, H, W) images and
    resize it back to H x W. ``scale == 1`` returns the images unchanged.

    Resizing is linear with weights that sum to one, so it commutes with per-channel
    normalisation: normalised and raw images may be enlarged alike."""
    if scale < 1:
        raise ValueError(f"object scale must be at least 1 (a centre crop), got {scale}")
    if scale == 1:
        return images
    h, w = images.shape[-2:]
    crop = center_crop(images, max(1, round(h / scale)), max(1, round(w / scale)))
    return _resize(crop, h, w)
