"""The names of a saved model's files (Hugging Face's hub-mixin layout), and how a folder is
told to be one: kept apart so that the spec reader can name a folder without reading it."""

from __future__ import annotations

from pathlib import Path

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


def is_model_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a ``config.json`` (a saved model, or meant as one)."""
    try:
        return Path(path).is_dir() and (Path(path) / CONFIG_NAME).is_file()
    except (OSError, ValueError):  # a name the file system refuses
        return False
