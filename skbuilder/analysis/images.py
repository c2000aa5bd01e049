"""Images as network input: read (matplotlib), resize and centre-crop (torch), normalise.

PNG is read by matplotlib itself; JPEG and other formats go through Pillow (which matplotlib
installs). Before anything is decoded, the size is read from the file's header and refused
above ``MAX_PIXELS``: a small compressed file can decode to gigabytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from skbuilder.analysis.image_files import (
    MAX_PIXELS,
    ImageError,
    check_resize,
    first_line,
    image_size,
)
from skbuilder.input_file import InputFileError, read_input_file

#: Largest image file read (an uncompressed image at ``MAX_PIXELS`` is 200 MB).
MAX_IMAGE_BYTES = 256 * 1024 * 1024

__all__ = ["MAX_PIXELS", "ImageError", "image_batch", "image_size", "random_batch", "read_image"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def read_image(path: str | Path, *, shorter: int | None = None) -> Tensor:
    """The image at ``path`` as float RGB in [0, 1], shape (3, H, W). With ``shorter``, an image
    that resizing to that shorter side would make too large is refused before it is decoded."""
    path = Path(path)
    try:
        size = image_size(path)
        if shorter is not None:
            check_resize(path, size, shorter)
        data = read_input_file(path, MAX_IMAGE_BYTES)
    except InputFileError as exc:
        raise ImageError(f"{path}: {exc}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"{path}: over {MAX_IMAGE_BYTES:,} bytes")
    try:
        import numpy as np
        from matplotlib.image import imread
    except ImportError:
        raise ImageError("reading images needs matplotlib (pip install skbuilder[viz])") from None
    try:
        array = imread(io.BytesIO(data), format=path.suffix.lstrip(".").lower() or None)
    except Exception as exc:
        raise ImageError(f"{path}: cannot read image: {first_line(exc)}") from None
    if array.dtype.kind in "ui":  # Pillow formats give integers; PNG gives floats in [0, 1]
        image = torch.from_numpy(array.astype("float32") / float(np.iinfo(array.dtype).max))
    else:
        image = torch.from_numpy(array.astype("float32"))
    if image.dim() == 2:
        image = image.unsqueeze(-1)
    if image.dim() != 3 or image.shape[-1] not in (1, 3, 4) or min(image.shape[:2]) < 1:
        raise ImageError(
            f"{path}: expected a grey, RGB or RGBA image, got shape {tuple(array.shape)}"
        )
    image = image[..., :3] if image.shape[-1] >= 3 else image.expand(-1, -1, 3)
    return image.permute(2, 0, 1).contiguous()


def resize_center_crop(image: Tensor, size: int) -> Tensor:
    """Scale (C, H, W) so its shorter side is ``size`` (bilinear, antialiased), crop the centre."""
    _, h, w = image.shape
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    resized = F.interpolate(
        image.unsqueeze(0),
        size=(new_h, new_w),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )[0]
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return resized[:, top : top + size, left : left + size]


def normalize(
    image: Tensor, mean: tuple[float, ...] = IMAGENET_MEAN, std: tuple[float, ...] = IMAGENET_STD
) -> Tensor:
    """(x - mean) / std per channel of a (C, H, W) image."""
    m = torch.tensor(mean, dtype=image.dtype).view(-1, 1, 1)
    s = torch.tensor(std, dtype=image.dtype).view(-1, 1, 1)
    return (image - m) / s


def image_batch(path: str | Path, size: int, *, channels: int = 3) -> Tensor:
    """A (1, 3, size, size) ImageNet-normalised batch from an image file."""
    if channels != 3:
        raise ImageError(f"the network takes {channels} input channels; images give 3 (RGB)")
    return normalize(resize_center_crop(read_image(path, shorter=size), size)).unsqueeze(0)


def random_batch(batch: int, channels: int, size: int, *, seed: int = 0) -> Tensor:
    """A seeded standard-normal input, the scale of a normalised image."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, channels, size, size, generator=generator)
