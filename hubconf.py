"""torch.hub entry points: one per shipped spec, plus ``from_spec`` and ``from_folder``.

    model = torch.hub.load("path/to/skbuilder", "sknet50", source="local", num_classes=10)

Each entry builds its spec with random weights (``build_model``); the keyword arguments are
``build_model``'s (``num_classes``, ``dropout``, ``norm_layer``, ``act_layer``), and
``features_only=True`` (with ``out_indices``) gives the backbone of ``build_features``. No
weights are downloaded: start from ImageNet weights by importing timm's or torchvision's
(docs/weights.md), or load a saved model with ``from_folder``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

dependencies = ["torch", "pydantic", "yaml"]

from skbuilder.spec.shipped import shipped_specs  # noqa: E402


def from_spec(
    spec: str | Path,
    pretrained: bool = False,
    *,
    features_only: bool = False,
    out_indices: Sequence[int] | None = None,
    **kwargs: Any,
) -> Any:
    """The model a spec file (or a shipped spec's name) describes, with random weights."""
    if pretrained:
        raise ValueError(
            "skbuilder ships no pretrained weights: import timm's or torchvision's into the "
            "matching spec (skbuilder.interop.weights.import_timm_state_dict, docs/weights.md), "
            "or load a saved model with the from_folder entry point"
        )
    if features_only:
        from skbuilder.nn.features import build_features

        return build_features(spec, out_indices, **kwargs)
    if out_indices is not None:
        raise ValueError("out_indices applies with features_only=True")
    from skbuilder.nn.builder import build_model

    return build_model(spec, **kwargs)


def from_folder(folder: str | Path, **kwargs: Any) -> Any:
    """A model saved with ``skbuilder.save_model`` (``config.json`` + ``model.safetensors``);
    keyword arguments are ``skbuilder.load_model``'s (``plugins``, ``device``)."""
    from skbuilder.interop.weights.model_folder import load_model

    return load_model(folder, **kwargs)


def _entry(name: str) -> Callable[..., Any]:
    def entry(pretrained: bool = False, **kwargs: Any) -> Any:
        return from_spec(name, pretrained, **kwargs)

    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"The shipped spec {name!r} (specs/{name}.yaml), built; see from_spec."
    return entry


for _name in shipped_specs():
    if _name.isidentifier():  # the specs in subfolders are reached through from_spec
        globals()[_name] = _entry(_name)
