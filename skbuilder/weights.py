"""Load a state dict saved from a built model (``torch.save`` or safetensors) with strict checks.

Keys must be this project's own (``stem.convs.0.conv.weight``, ``stages.0.0.conv2.split.0...``);
every missing, unexpected or mis-shaped key is reported in one message before anything is copied.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

_SHOWN = 4  # keys listed per kind of problem; the rest are counted


class WeightsError(ValueError):
    """The file cannot be read as a state dict, or does not fit the model."""


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """Tensors by key from ``path``: safetensors for ``.safetensors``, else ``torch.load`` with
    ``weights_only=True``. A checkpoint holding the dict under ``state_dict`` or ``model`` is
    unwrapped."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            data: Any = load_file(str(path), device="cpu")
        else:
            data = torch.load(path, map_location="cpu", weights_only=True)
    except ImportError:
        raise WeightsError(
            f"{path}: reading .safetensors needs the safetensors package (pip install safetensors)"
        ) from None
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{path}: cannot read weights: not a torch.save file holding only tensors "
            "(torch.load with weights_only=True refused it)"
        ) from None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path}: cannot read weights: {first}") from None
    if isinstance(data, Mapping):
        for wrapper in ("state_dict", "model"):
            if isinstance(data.get(wrapper), Mapping):
                data = data[wrapper]
                break
    if not isinstance(data, Mapping) or not data:
        raise WeightsError(f"{path}: expected a non-empty state dict (key -> tensor)")
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, Tensor)]
    if bad:
        raise WeightsError(f"{path}: not a state dict: {_listing(map(str, bad))} are not tensors")
    return dict(data)


def _listing(items: Any) -> str:
    items = list(items)
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _shape(t: Tensor) -> str:
    return "x".join(map(str, t.shape)) or "scalar"


def state_dict_problems(model: nn.Module, state: Mapping[str, Tensor]) -> list[str]:
    """What keeps ``state`` from loading into ``model``: missing, unexpected, mis-shaped keys."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    misshaped = [
        f"{k} (file {_shape(state[k])}, model {_shape(own[k])})"
        for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing: {_listing(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected: {_listing(unexpected)}")
    if misshaped:
        problems.append(f"{len(misshaped)} mis-shaped: {_listing(misshaped)}")
    return problems


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Copy the weights in ``path`` into ``model``; ``WeightsError`` if any key does not fit."""
    state = read_state_dict(path)
    problems = state_dict_problems(model, state)
    if problems:
        raise WeightsError(f"{path}: weights do not fit the model: " + "; ".join(problems))
    model.load_state_dict(state, strict=True)
    return model
