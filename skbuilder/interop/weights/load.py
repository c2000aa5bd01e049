"""Put a state dict into a built model, all or nothing, with every misfit named."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor, nn

from skbuilder.interop.weights.errors import Mismatch, WeightImportError
from skbuilder.interop.weights.timm_keys import looks_like_timm, timm_to_skbuilder_key

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
        hint = "this looks like a timm state dict: use import_timm_state_dict"
    _check_and_load(model, state_dict, source_keys={}, unmapped=[], hint=hint)


def import_timm_state_dict(model: nn.Module, state_dict: Mapping[str, Tensor]) -> None:
    """Load a timm ``skresnet18``/``skresnet34``/``skresnext50_32x4d`` state dict into the model
    built from the matching spec (``specs/skresnet18.yaml``, ``skresnet34.yaml``,
    ``sknet50.yaml``). All or nothing: ``WeightImportError`` names every key no rule maps or the
    model lacks (in timm's names), every missing key (in ours) and every shape that differs."""
    renamed: dict[str, Tensor] = {}
    source_keys: dict[str, str] = {}
    unmapped: list[str] = []
    for key, value in state_dict.items():
        ours = timm_to_skbuilder_key(key)
        if ours is None:
            unmapped.append(key)
        else:
            renamed[ours] = value
            source_keys[ours] = key
    if not looks_like_timm(list(state_dict)):
        hint = "this does not look like a timm ResNet state dict (no conv1.weight, layer1.*)"
    else:
        hint = "is the model built from the spec that matches this timm model?"
    _check_and_load(model, renamed, source_keys=source_keys, unmapped=unmapped, hint=hint)
