"""Image files before they are decoded: the size from the header, refused above ``MAX_PIXELS``
(a small compressed file can decode to gigabytes). Torch-free, so a command refuses an image
before it loads anything heavy."""

from __future__ import annotations

import warnings
from pathlib import Path

from skbuilder.input_file import InputFileError, check_input_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: Largest image decoded (float RGBA in memory is 16 bytes a pixel: 800 MB at the cap).
MAX_PIXELS = 50_000_000
#: Longest side of an image decoded, and of the image it is resized to.
MAX_SIDE = 30_000
#: Largest image an image is resized to before its centre is cropped (float RGB).
MAX_RESIZED_PIXELS = MAX_PIXELS


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
    if max(width, height) > MAX_SIDE or min(width, height) < 1:
        raise ImageError(
            f"{path}: the image is {width}x{height}; each side must be from 1 to {MAX_SIDE:,} "
            "pixels"
        )
    return width, height


def resized_size(width: int, height: int, shorter: int) -> tuple[int, int]:
    """(width, height) after scaling the shorter side to ``shorter`` (at least ``shorter``)."""
    scale = shorter / min(width, height)
    return max(shorter, round(width * scale)), max(shorter, round(height * scale))


def check_resize(path: str | Path, size: tuple[int, int], shorter: int) -> None:
    """ImageError when resizing an image of ``size`` (width, height) so that its shorter side
    is ``shorter`` would make it larger than ``MAX_RESIZED_PIXELS`` (a long, thin image)."""
    width, height = resized_size(*size, shorter)
    if width * height > MAX_RESIZED_PIXELS or max(width, height) > 64 * MAX_SIDE:
        raise ImageError(
            f"{path}: the image is {size[0]}x{size[1]}; resized to a shorter side of {shorter} "
            f"it would be {width}x{height} ({width * height:,} pixels), over the limit of "
            f"{MAX_RESIZED_PIXELS:,}; crop it closer to square first"
        )


def _too_large(size: str) -> str:
    return f"the image is {size}, over the limit of {MAX_PIXELS:,} pixels; scale it down first"


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def image_folder(root: str | Path) -> tuple[list[tuple[Path, int | None]], list[str] | None]:
    """The image files under ``root`` and their class: with sub-folders, each is a class
    (sorted by name, as torchvision's ImageFolder); a flat folder has no classes.
    InputFileError when ``root`` is not a folder; ImageError when it holds no images."""
    root = Path(root)
    if not root.is_dir():
        raise InputFileError(f"{root}: no such folder")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    items: list[tuple[Path, int | None]]
    classes: list[str] | None
    if folders:
        items = [(f, i) for i, d in enumerate(folders) for f in _images_in(d)]
        classes = [d.name for d in folders]
    else:
        items, classes = [(f, None) for f in _images_in(root)], None
    if not items:
        raise ImageError(f"{root}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    return items, classes


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
