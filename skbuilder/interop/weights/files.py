"""State dicts on disk: ``.pt``/``.pth`` (read with ``torch.load(weights_only=True)``, so no
pickled code runs) and ``.safetensors``. Writes are atomic: a temp file, then ``os.replace``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from skbuilder.atomic_write import atomic_path
from skbuilder.input_file import InputFileError, check_input_file
from skbuilder.interop.weights.errors import WeightFileError

TORCH_SUFFIXES = (".pt", ".pth", ".bin")
SAFETENSORS_SUFFIX = ".safetensors"
#: Keys under which training checkpoints (timm's train script, common loops) keep the weights.
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict")


def _safetensors_torch() -> Any:
    try:
        import safetensors.torch
    except ImportError:
        raise WeightFileError(
            "reading or writing .safetensors needs the safetensors package "
            "(pip install 'skbuilder[weights]')"
        ) from None
    return safetensors.torch


def load_state_dict_file(path: str | Path) -> dict[str, Tensor]:
    """The state dict stored at ``path``, on the CPU.

    A training checkpoint that keeps the weights under ``state_dict``/``model`` is unwrapped, and
    a ``module.`` prefix that every key shares (DistributedDataParallel) is dropped.
    """
    path = Path(path)
    try:
        check_input_file(path)
    except InputFileError as exc:
        raise WeightFileError(f"{path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == SAFETENSORS_SUFFIX:
        reader = _safetensors_torch()
        try:
            obj: Any = reader.load_file(str(path), device="cpu")
        except Exception as exc:  # safetensors raises its own error types
            raise WeightFileError(f"{path}: not a readable safetensors file ({exc})") from None
    elif suffix in TORCH_SUFFIXES:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # corrupted zip, foreign pickle, truncated file, ...
            raise WeightFileError(
                f"{path}: not a readable PyTorch weight file ({_first_line(exc)})"
            ) from None
    else:
        raise WeightFileError(
            f"{path}: unknown weight file type {suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join((*TORCH_SUFFIXES, SAFETENSORS_SUFFIX))}"
        )
    return _as_state_dict(obj, path)


def _first_line(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    if text.startswith("Weights only load failed"):
        return "it holds Python objects besides tensors, which are not unpickled"
    return text.splitlines()[0] if text else type(exc).__name__


def _as_state_dict(obj: Any, path: Path) -> dict[str, Tensor]:
    if isinstance(obj, Mapping) and not _all_tensors(obj):
        for key in WRAPPER_KEYS:
            if isinstance(obj.get(key), Mapping) and _all_tensors(obj[key]):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj or not _all_tensors(obj):
        raise WeightFileError(
            f"{path}: does not hold a state dict (a mapping of parameter names to tensors)"
        )
    state = {str(k): v for k, v in obj.items()}
    if all(k.startswith("module.") for k in state):
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return state


def _all_tensors(mapping: Mapping[Any, Any]) -> bool:
    return all(isinstance(k, str) and isinstance(v, Tensor) for k, v in mapping.items())


def save_state_dict_file(weights: nn.Module | Mapping[str, Tensor], path: str | Path) -> Path:
    """Write a model's (or a given) state dict to ``path``; the suffix picks the format."""
    path = Path(path)
    state = weights.state_dict() if isinstance(weights, nn.Module) else dict(weights)
    state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    suffix = path.suffix.lower()
    if suffix not in (*TORCH_SUFFIXES, SAFETENSORS_SUFFIX):
        raise WeightFileError(
            f"{path}: unknown weight file type {suffix or '(no suffix)'!r}; "
            f"use {', '.join((*TORCH_SUFFIXES, SAFETENSORS_SUFFIX))}"
        )
    writer = _safetensors_torch() if suffix == SAFETENSORS_SUFFIX else None
    with atomic_path(path) as tmp:
        if writer is not None:
            writer.save_file(state, str(tmp), metadata={"format": "pt"})
        else:
            torch.save(state, tmp)
    return path
