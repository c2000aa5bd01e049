"""A built model as one portable thing: a folder with ``config.json`` (its resolved spec) and
``model.safetensors`` (its weights), Hugging Face's hub-mixin layout.

``save_model`` refuses a model its own spec would not rebuild (a swapped layer, a layer class
outside ``torch.nn``) and writes the folder whole or not at all; ``load_model`` rebuilds the
model from the spec and loads the weights with the all-or-nothing checks of ``load_weights``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn

from skbuilder import __version__
from skbuilder.atomic_write import OutputFileError
from skbuilder.blocks.registry import get_block, load_plugin, source_module
from skbuilder.input_file import reason
from skbuilder.interop.weights.errors import WeightFileError, WeightImportError
from skbuilder.interop.weights.files import load_state_dict_file, save_state_dict_file
from skbuilder.interop.weights.load import load_weights
from skbuilder.nn.builder import build_model
from skbuilder.nn.model import SKNet
from skbuilder.spec.errors import shown
from skbuilder.spec.model_files import CONFIG_NAME, WEIGHTS_NAME, is_model_folder
from skbuilder.spec.model_folder import (
    LAYER_MODULE,
    ModelConfig,
    ModelFolderError,
    read_model_config,
)
from skbuilder.spec.schema import NetworkSpec


def save_model(model: nn.Module, folder: str | Path) -> Path:
    """Write ``model`` (built by ``build_model``, trained or not) to ``folder``: its resolved
    spec to ``config.json``, its weights to ``model.safetensors``. A folder that exists must
    be empty or a saved model (it is then replaced whole)."""
    folder = Path(folder)
    model = unwrapped(model)
    spec = getattr(model, "spec", None)
    if not isinstance(spec, NetworkSpec):
        raise ModelFolderError("save_model needs a model made by build_model (with .spec)")
    norm_layer, act_layer = getattr(model, "layer_classes", (nn.BatchNorm2d, nn.ReLU))
    config = ModelConfig(
        spec, _plugins(spec), _layer_name(norm_layer, "norm"), _layer_name(act_layer, "act")
    )
    _check_rebuilds(model, spec, norm_layer, act_layer)
    _check_target(folder)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name[:64]}.", dir=_parent(folder)) as tmp:
        staged = Path(tmp) / "model"
        staged.mkdir()
        save_state_dict_file(model, staged / WEIGHTS_NAME)
        (staged / CONFIG_NAME).write_text(config.as_json(__version__), encoding="utf-8")
        _swap_in(staged, folder, Path(tmp))
    return folder


def load_model(
    folder: str | Path,
    *,
    plugins: Iterable[str] = (),
    device: torch.device | str = "cpu",
) -> SKNet:
    """The model saved in ``folder`` by ``save_model``, in eval mode. ``plugins`` are modules
    to import first (those that register the block kinds the config names); a kind that is
    still unknown is refused by name, with its module, before anything is built."""
    for module in plugins:
        load_plugin(module)
    folder = Path(folder)
    if not is_model_folder(folder):
        raise ModelFolderError(f"{shown(folder, 200)}: not a model folder (no {CONFIG_NAME})")
    config = read_model_config(folder, max_params=None, max_macs=None)
    model = build_model(
        config.spec,
        norm_layer=_layer_class(config.norm_layer, folder),
        act_layer=_layer_class(config.act_layer, folder),
        max_params=None,
        max_macs=None,
        device=device,
    )
    load_folder_weights(model, folder)
    return model.eval()


def load_folder_weights(model: nn.Module, folder: str | Path) -> None:
    """Copy the weights saved in ``folder`` into ``model`` (built from the folder's spec, maybe
    with overrides that keep the weights' shapes), all or nothing."""
    path = Path(folder) / WEIGHTS_NAME
    try:
        load_weights(model, load_state_dict_file(path))
    except WeightFileError as exc:
        raise ModelFolderError(str(exc)) from None
    except WeightImportError as exc:
        raise ModelFolderError(f"{path}: {exc}") from None


def unwrapped(model: nn.Module) -> nn.Module:
    """The model inside DistributedDataParallel (``.module``) and torch.compile
    (``._orig_mod``) wrappers, whose state dict keys carry a prefix the spec does not build."""
    while inner := [m for name, m in model.named_children() if name in ("module", "_orig_mod")]:
        model = inner[0]
    return model


# -- what a config records --------------------------------------------------------------------


def _plugins(spec: NetworkSpec) -> dict[str, str]:
    """The module of every block kind the spec uses that skbuilder does not ship."""
    found = {}
    for stage in spec.stages:
        module = source_module(get_block(stage.block))
        if not module.startswith("skbuilder."):
            found[stage.block] = module
    return found


def _layer_name(cls: type[nn.Module], role: str) -> str:
    if getattr(nn, cls.__name__, None) is not cls:
        raise ModelFolderError(
            f"the model's {role} layer {cls.__module__}.{cls.__qualname__} is not a class of "
            f"{LAYER_MODULE}; a saved model can name only those (rebuild it with one to save it)"
        )
    return cls.__name__


def _layer_class(name: str, folder: Path) -> type[nn.Module]:
    cls = getattr(nn, name, None) if name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ModelFolderError(
            f"{folder / CONFIG_NAME}: layers: {shown(name, 60)!r} is not a layer class of "
            f"{LAYER_MODULE}"
        )
    return cls


def _check_rebuilds(
    model: nn.Module, spec: NetworkSpec, norm_layer: type[nn.Module], act_layer: type[nn.Module]
) -> None:
    """The spec must rebuild a model whose state dict has the same keys and shapes."""
    rebuilt = build_model(
        spec,
        norm_layer=norm_layer,
        act_layer=act_layer,
        max_params=None,
        max_macs=None,
        device="meta",
    )
    theirs = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in rebuilt.state_dict().items()}
    if theirs != ours:
        changed = sorted(set(theirs) ^ set(ours)) or [k for k in ours if ours[k] != theirs[k]]
        raise ModelFolderError(
            f"the model no longer matches its spec {spec.name!r} (e.g. {shown(changed[0], 80)}); "
            "its spec would not rebuild it, so it cannot be saved as spec + weights"
        )


# -- writing the folder whole ------------------------------------------------------------------


def _parent(folder: Path) -> Path:
    parent = folder.absolute().parent
    if not parent.is_dir():
        raise OutputFileError(
            f"cannot write {shown(folder, 200)}: its parent folder does not exist"
        )
    return parent


def _check_target(folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputFileError(f"cannot write {shown(folder, 200)}: it exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not is_model_folder(folder):
        raise OutputFileError(
            f"cannot write {shown(folder, 200)}: the folder is not empty and holds no saved "
            f"model ({CONFIG_NAME}); give a new or empty folder"
        )


def _swap_in(staged: Path, folder: Path, scratch: Path) -> None:
    """Put the staged folder in place of ``folder``; the old one is removed only after."""
    try:
        if folder.exists():
            old = scratch / "old"
            os.replace(folder, old)
            try:
                os.replace(staged, folder)
            except OSError:
                os.replace(old, folder)  # put the old model back
                raise
        else:
            os.replace(staged, folder)
    except OSError as exc:
        raise OutputFileError(f"cannot write {shown(folder, 200)}: {reason(exc)}") from None
    shutil.rmtree(scratch / "old", ignore_errors=True)
