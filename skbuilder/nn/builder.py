"""Spec -> ``nn.Module``: the only place modules are made from a spec."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.registry import get_block
from skbuilder.nn.blocks import ResidualBlock
from skbuilder.nn.model import SKNet, Stage
from skbuilder.nn.ops import build_block, build_op
from skbuilder.spec import NetworkSpec, load_spec
from skbuilder.spec.budget import DEFAULT_MAX_MACS, DEFAULT_MAX_PARAMS, check_budget
from skbuilder.spec.dump import canonical_data
from skbuilder.spec.loader import spec_from_dict


def build_model(
    spec: NetworkSpec | str | Path,
    *,
    norm_layer: type[nn.Module] = nn.BatchNorm2d,
    act_layer: type[nn.Module] = nn.ReLU,
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
    device: torch.device | str = "cpu",
    num_classes: int | None = None,
    dropout: float | None = None,
) -> SKNet:
    """Build the network a spec describes (a path is loaded first). Layer classes are passed in,
    so a spec can be built with e.g. ``nn.SyncBatchNorm`` or ``nn.SiLU`` without editing it.
    ``num_classes`` and ``dropout`` replace the head's (``num_classes=0``: pooled features, no
    classifier), as timm's and torchvision's constructors take them; the model's ``spec`` says
    so. A spec over ``max_params`` or ``max_macs`` (analytic, at its input size; ``None`` for no
    bound) raises SpecError before any module is made. ``device="meta"`` gives the modules
    without storage or initial values: their parameter count and shapes at no memory cost."""
    # a spec read here is checked against the budget as it is read (a refusal points into it)
    loaded = not isinstance(spec, NetworkSpec)
    read = (
        spec
        if isinstance(spec, NetworkSpec)
        else load_spec(spec, max_params=max_params, max_macs=max_macs)
    )
    spec = with_head(read, num_classes=num_classes, dropout=dropout)
    if not loaded or spec is not read:
        check_budget(spec, max_params=max_params, max_macs=max_macs)
    # Modules are made on the meta device: PyTorch's default init (a random fill of every weight)
    # would be overwritten by init_weights anyway and costs as much as the build itself.
    with torch.device("meta"):
        model = _assemble(spec, norm_layer, act_layer)
    model.layer_classes = (norm_layer, act_layer)
    if torch.device(device).type == "meta":
        model.spec = spec
        return model
    if _unhandled_state(model):  # a layer init_weights cannot initialise: let it init itself
        with torch.device(device):
            model = _assemble(spec, norm_layer, act_layer)
    else:
        model = model.to_empty(device=device)
    init_weights(model, zero_init_last=spec.zero_init_last)
    model.spec = spec
    model.layer_classes = (norm_layer, act_layer)
    return model


def with_head(
    spec: NetworkSpec, *, num_classes: int | None = None, dropout: float | None = None
) -> NetworkSpec:
    """``spec`` with the head's class count and dropout replaced (None: kept), validated as a
    spec is (SpecError at ``head.num_classes``/``head.dropout``)."""
    changes = {
        name: value
        for name, value in (("num_classes", num_classes), ("dropout", dropout))
        if value is not None
    }
    if not changes:
        return spec
    data = canonical_data(spec)
    data["head"] = {**data.get("head", {}), **changes}
    return spec_from_dict(data, f"{spec.name} (build_model arguments)")


def _assemble(spec: NetworkSpec, norm_layer: type[nn.Module], act_layer: type[nn.Module]) -> SKNet:
    layers = Layers(norm_layer, act_layer)
    blocks: list[list[nn.Module]] = [[] for _ in spec.stages]
    for plan in spec.plan():
        params = replace(plan.params, norm_layer=norm_layer, act_layer=act_layer)
        kind = get_block(plan.kind)
        blocks[plan.stage].append(build_block(kind, plan.w_in, plan.w_out, plan.stride, params))
    stages = []
    for i, (name, stage_blocks) in enumerate(zip(spec.stage_names(), blocks)):
        after = spec.bam_op(i)
        stages.append(Stage(name, stage_blocks, build_op(after, layers) if after else None))
    return SKNet(build_op(spec.stem_op(), layers), stages, build_op(spec.head_op(), layers))


def _unhandled_state(model: nn.Module) -> bool:
    """Whether some module owns parameters or buffers that ``init_weights`` would not set."""
    for module in model.modules():
        owns_state = any(True for _ in module.parameters(recurse=False)) or any(
            True for _ in module.buffers(recurse=False)
        )
        known = isinstance(module, (nn.Conv2d, nn.Linear)) or hasattr(module, "reset_parameters")
        if owns_state and not known:
            return True
    return False


def init_weights(model: nn.Module, *, zero_init_last: bool = False) -> None:
    """He (fan-out) init for convs, unit/zero BN, the classifier as timm's ResNet does; every
    other layer with state gets its own ``reset_parameters``. With ``zero_init_last`` each
    residual branch's last BN starts at zero."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            bound = 1 / math.sqrt(module.in_features)
            nn.init.uniform_(module.weight, -bound, bound)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif callable(reset := getattr(module, "reset_parameters", None)):
            reset()  # BatchNorm: unit scale, zero shift, fresh running stats
    if zero_init_last:
        for module in model.modules():
            if isinstance(module, ResidualBlock) and (bn := module.last_norm()) is not None:
                nn.init.zeros_(bn.weight)
