"""A saved model's folder, read without torch: ``config.json`` (the resolved spec, the block
kinds that come from plugins, the layer classes) beside ``model.safetensors`` (the weights).

The layout is the one Hugging Face's hub mixins write (``config.json`` + ``model.safetensors``),
so the folder can be pushed to and downloaded from a model hub as it is. The weights are read
by ``skbuilder.interop.weights.model_folder``; ``summary`` and ``render`` need only this part.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skbuilder.input_file import InputFileError, read_input_file
from skbuilder.spec.compose import apply_overrides
from skbuilder.spec.errors import SpecError, SpecFileError, SpecIssue, shown
from skbuilder.spec.loader import validate_document
from skbuilder.spec.model_files import CONFIG_NAME
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.yaml_io import Document

#: What ``config.json`` says it is, so that another program's config is not taken for ours.
FORMAT = "skbuilder-model"
FORMAT_VERSION = 1
#: A config is a few kB; anything far larger is not one of ours.
MAX_CONFIG_BYTES = 1 << 20
#: Layer classes a config may name: torch.nn's, by name (nothing else is imported at reload).
LAYER_MODULE = "torch.nn"


class ModelFolderError(ValueError):
    """A model folder that cannot be read or written as one: the message says which file and
    why."""


@dataclass(frozen=True)
class ModelConfig:
    """What ``config.json`` holds: the spec, the plugin module of each custom block kind, and
    the names of the normalisation and activation classes (in ``torch.nn``)."""

    spec: NetworkSpec
    plugins: dict[str, str] = field(default_factory=dict)  # block kind -> its module
    norm_layer: str = "BatchNorm2d"
    act_layer: str = "ReLU"

    def as_json(self, version: str) -> str:
        from skbuilder.spec.dump import canonical_data

        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "skbuilder_version": version,
            "spec": canonical_data(self.spec),
            "plugins": dict(sorted(self.plugins.items())),
            "layers": {"norm_layer": self.norm_layer, "act_layer": self.act_layer},
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def read_model_config(
    folder: str | Path,
    *,
    overrides: Iterable[str] = (),
    max_params: int | None = None,
    max_macs: int | None = None,
) -> ModelConfig:
    """The config of the model saved in ``folder``. The spec is validated as a spec file is
    (``overrides`` and the budget included: SpecError at ``config.json``); a config that is not
    ours, or whose block kinds are not registered, raises ModelFolderError."""
    path = Path(folder) / CONFIG_NAME
    data = _read_json(path)
    plugins = _string_map(data.get("plugins", {}), path, "plugins")
    layers = _string_map(data.get("layers", {}), path, "layers")
    spec_data = data.get("spec")
    if not isinstance(spec_data, Mapping):
        raise ModelFolderError(f"{path}: 'spec' must be a mapping (the model's spec)")
    _require_kinds(spec_data, plugins, path)
    doc = apply_overrides(Document(dict(spec_data), f"{path}: spec"), overrides)
    spec = validate_document(doc)
    if max_params is not None or max_macs is not None:
        from skbuilder.spec.budget import budget_issues

        if issues := budget_issues(spec, max_params=max_params, max_macs=max_macs, doc=doc):
            raise SpecError(issues)
    return ModelConfig(
        spec,
        plugins,
        norm_layer=layers.get("norm_layer", "BatchNorm2d"),
        act_layer=layers.get("act_layer", "ReLU"),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = read_input_file(path, MAX_CONFIG_BYTES)
    except InputFileError as exc:
        issue = SpecIssue((), f"cannot read model config: {exc}", str(path))
        raise SpecFileError([issue]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ModelFolderError(f"{path}: over {MAX_CONFIG_BYTES:,} bytes; not a model config")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        why = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc) or "nested too deep"
        raise ModelFolderError(f"{path}: not valid JSON ({shown(why, 120)})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFolderError(
            f'{path}: not a skbuilder model config (no "format": "{FORMAT}"); '
            "save a model with skbuilder.save_model"
        )
    version = data.get("format_version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise ModelFolderError(
            f"{path}: format_version {shown(version, 20)} is not one this skbuilder reads "
            f"(1 to {FORMAT_VERSION}); a newer skbuilder wrote it"
        )
    return data


def _string_map(value: Any, path: Path, key: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ModelFolderError(f"{path}: {key!r} must map names to names")
    return dict(value)


def _require_kinds(spec_data: Mapping[str, Any], plugins: Mapping[str, str], path: Path) -> None:
    """Every block kind the spec names must be registered before the spec is read: the config
    records the module of each plugin kind, and it must be loaded by the user (``--plugin``,
    an import, an entry point), never by reading a folder."""
    from skbuilder.blocks.registry import block_kinds

    stages = spec_data.get("stages")
    used: set[str] = {
        str(s["block"])
        for s in (stages if isinstance(stages, list) else [])
        if isinstance(s, Mapping) and isinstance(s.get("block"), str)
    }
    missing = sorted(kind for kind in used if kind in plugins and kind not in block_kinds())
    if missing:
        needed = sorted({plugins[kind] for kind in missing})
        raise ModelFolderError(
            f"{path}: the model uses block kind{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(k) for k in missing)} from plugin module"
            f"{'s' if len(needed) > 1 else ''} {', '.join(repr(m) for m in needed)}, "
            "which is not loaded; load it first (--plugin MODULE, skbuilder.load_model(..., "
            "plugins=[MODULE]), or install the package that provides it)"
        )
