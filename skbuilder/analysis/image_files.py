"""Image files before they are decoded: the size from the header, refused above ``MAX_PIXELS``
(a small compressed file can decode to gigabytes). Torch-free, so a command refuses an image
before it loads anything heavy."""

from __future__ import annotations

import warnings
from pathlib import Path

from skbuilder.input_file import check_input_file

#: Largest image decoded (float RGBA in memory is 16 bytes a pixel: 800 MB at the cap).
MAX_PIXELS = 50_000_000


class ImageError(ValueError):
    """The file cannot be read as an image for this network."""


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the image at ``path`` from its header, nothing decoded. InputFileError
    when it is not a readable regular file; ImageError when it is not an image or has more
    than ``MAX_PIXELS`` pixels."""
    path = check_input_file(path)
    try:
        from PIL import Image
    except ImportError:
        raise ImageError("reading images needs Pillow (pip install skbuilder[viz])") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header only
                width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own bound, far above ours
        raise ImageError(f"{path}: {_too_large('over 178 million pixels')}") from None
    except Exception as exc:  # Pillow raises many types for files it cannot parse
        raise ImageError(f"{path}: cannot read image: {first_line(exc)}") from None
    if width * height > MAX_PIXELS:
        raise ImageError(f"{path}: {_too_large(f'{width}x{height} ({width * height:,} pixels)')}")
    return width, height


def _too_large(size: str) -> str:
    return f"the image is {size}, over the limit of {MAX_PIXELS:,} pixels; scale it down first"


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
