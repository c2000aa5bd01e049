"""Put a state dict into a built model, all or nothing, with every misfit named."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor, nn

from skbuilder.interop.weights.errors import Mismatch, WeightImportError
from skbuilder.interop.weights.timm_keys import (
    TIMM_FAMILIES,
    TORCHVISION_FAMILIES,
    Family,
    family_of,
    looks_like_timm,
    refusal_for,
)

#: BatchNorm's batch counter: checkpoints often omit it and it does not change any output.
OPTIONAL_SUFFIXES = ("num_batches_tracked",)


def _model_name(model: nn.Module) -> str:
    spec = getattr(model, "spec", None)
    return getattr(spec, "name", None) or type(model).__name__


def _check_and_load(
    model: nn.Module,
    state_dict: Mapping[str, Tensor],
    *,
    source_keys: Mapping[str, str],
    unmapped: list[str],
    hint: str | None,
) -> None:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict and not k.endswith(OPTIONAL_SUFFIXES)]
    unexpected = unmapped + [source_keys.get(k, k) for k in state_dict if k not in expected]
    mismatched = [
        Mismatch(k, tuple(expected[k].shape), tuple(v.shape), source_keys.get(k))
        for k, v in state_dict.items()
        if k in expected and tuple(v.shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or mismatched:
        raise WeightImportError(
            _model_name(model),
            missing=missing,
            unexpected=unexpected,
            mismatched=mismatched,
            hint=hint,
        )
    model.load_state_dict(dict(state_dict), strict=False)


def load_weights(model: nn.Module, state_dict: Mapping[str, Tensor]) -> None:
    """Copy ``state_dict`` (skbuilder's names, e.g. from ``save_state_dict_file``) into
    ``model``. Every key and shape is checked first; on any misfit ``WeightImportError`` lists
    them all and the model is left untouched."""
    hint = None
    if looks_like_timm(list(state_dict)):
        hint = (
            "this looks like a timm or torchvision state dict: use import_timm_state_dict or "
            "import_torchvision_state_dict"
        )
    _check_and_load(model, state_dict, source_keys={}, unmapped=[], hint=hint)


def import_timm_state_dict(model: nn.Module, state_dict: Mapping[str, Tensor]) -> None:
    """Load the state dict of a timm model into the model built from the matching spec:
    ``resnext50_32x4d``/``resnext101_32x4d`` (same names), ``seresnext50_32x4d`` ->
    ``senet50``, ``seresnext101_32x4d`` -> ``senet101``, ``legacy_seresnext50_32x4d`` ->
    ``senet50_caffe``, ``legacy_seresnext101_32x4d`` -> ``senet101_caffe``,
    ``skresnet18``/``skresnet34`` (same names), ``skresnext50_32x4d`` -> ``sknet50``. All or
    nothing: ``WeightImportError`` names every key no rule maps or the model lacks (in timm's
    names), every missing key (in ours) and every shape that differs."""
    _import(model, state_dict, TIMM_FAMILIES, "timm")


def import_torchvision_state_dict(model: nn.Module, state_dict: Mapping[str, Tensor]) -> None:
    """Load the state dict of a torchvision model into the model built from the matching spec:
    ``resnext50_32x4d`` (same name), ``shufflenet_v2_x0_5``/``shufflenet_v2_x1_0`` ->
    ``shufflenetv2_x0_5``/``shufflenetv2_x1_0``. All or nothing, as ``import_timm_state_dict``."""
    _import(model, state_dict, TORCHVISION_FAMILIES, "torchvision")


def _import(
    model: nn.Module,
    state_dict: Mapping[str, Tensor],
    families: tuple[Family, ...],
    source: str,
) -> None:
    refused = refusal_for(state_dict)
    if refused is not None:
        refusal, keys = refused
        raise WeightImportError(
            _model_name(model), missing=[], unexpected=keys, mismatched=[], hint=refusal.reason
        )
    family = family_of(state_dict, families)
    if family is None:
        markers = " or ".join(f.marker for f in families)
        raise WeightImportError(
            _model_name(model),
            missing=[],
            unexpected=list(state_dict),
            mismatched=[],
            hint=f"this does not look like a {source} state dict of a model skbuilder maps "
            f"(no {markers}); these are mapped: " + "; ".join(f.models for f in families),
        )
    renamed: dict[str, Tensor] = {}
    source_keys: dict[str, str] = {}
    unmapped: list[str] = []
    for key, value in state_dict.items():
        ours = family.key(key)
        if ours is None:
            unmapped.append(key)
        else:
            renamed[ours] = value
            source_keys[ours] = key
    hint = f"is the model built from the spec that matches this {source} model ({family.models})?"
    _check_and_load(model, renamed, source_keys=source_keys, unmapped=unmapped, hint=hint)
