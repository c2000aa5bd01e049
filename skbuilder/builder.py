"""Spec -> ``nn.Module``: the only place modules are made from a spec."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from torch import nn

from skbuilder.blocks import ResidualBlock, get_block
from skbuilder.budget import DEFAULT_MAX_MACS, DEFAULT_MAX_PARAMS, check_budget
from skbuilder.layers.head import ClassifierHead
from skbuilder.layers.stem import Stem
from skbuilder.model import SKNet, Stage
from skbuilder.spec import NetworkSpec, load_spec


def build_model(
    spec: NetworkSpec | str | Path,
    *,
    norm_layer: type[nn.Module] = nn.BatchNorm2d,
    act_layer: type[nn.Module] = nn.ReLU,
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
) -> SKNet:
    """Build the network a spec describes (a path is loaded first). Layer classes are passed in,
    so a spec can be built with e.g. ``nn.SyncBatchNorm`` or ``nn.SiLU`` without editing it.
    A spec over ``max_params`` or ``max_macs`` (analytic, at its input size; ``None`` for no
    bound) raises SpecError before any module is made."""
    if not isinstance(spec, NetworkSpec):
        spec = load_spec(spec, max_params=max_params, max_macs=max_macs)
    else:
        check_budget(spec, max_params=max_params, max_macs=max_macs)
    stem = Stem(
        spec.input.channels,
        spec.stem.width,
        kind=spec.stem.kind,
        pool=spec.stem.pool,
        norm_layer=norm_layer,
        act_layer=act_layer,
    )
    blocks: list[list[nn.Module]] = [[] for _ in spec.stages]
    for plan in spec.plan():
        params = replace(plan.params, norm_layer=norm_layer, act_layer=act_layer)
        blocks[plan.stage].append(get_block(plan.kind)(plan.w_in, plan.w_out, plan.stride, params))
    stages = [Stage(name, b) for name, b in zip(spec.stage_names(), blocks)]
    head = ClassifierHead(
        spec.stages[-1].out_width, spec.head.num_classes, dropout=spec.head.dropout
    )
    model = SKNet(stem, stages, head)
    init_weights(model, zero_init_last=spec.zero_init_last)
    model.spec = spec
    return model


def init_weights(model: nn.Module, *, zero_init_last: bool = False) -> None:
    """He (fan-out) init for convs, unit/zero BN, the classifier as timm's ResNet does; with
    ``zero_init_last`` each residual branch's last BN starts at zero."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine:
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            bound = 1 / math.sqrt(module.in_features)
            nn.init.uniform_(module.weight, -bound, bound)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    if zero_init_last:
        for module in model.modules():
            if isinstance(module, ResidualBlock) and (bn := module.last_norm()) is not None:
                nn.init.zeros_(bn.weight)
