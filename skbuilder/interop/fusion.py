"""Inference fusion: fold every BatchNorm into the convolution before it.

In eval mode BN is an affine map per channel, so ``bn(conv(x))`` equals one convolution with
rescaled weights and a bias. Folding removes a full pass over every feature map (and, inside an
SK conv, over each of the M branches) at no cost in accuracy beyond float rounding.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from skbuilder.nn.layers.conv_bn_act import ConvBnAct
from skbuilder.nn.layers.sk_conv import Fuse


def _foldable(bn: nn.Module) -> bool:
    """A BatchNorm with running statistics: the only norm that is affine at inference."""
    return (
        isinstance(bn, nn.modules.batchnorm._BatchNorm)
        and bn.running_mean is not None
        and bn.running_var is not None
    )


def fold_bn_into_conv(conv: nn.Conv2d, bn: nn.modules.batchnorm._BatchNorm) -> None:
    """Rewrite ``conv``'s weight and bias in place so that ``conv(x) == bn(conv(x))`` in eval."""
    weight, bias = fuse_conv_bn_weights(
        conv.weight,
        conv.bias,
        bn.running_mean,  # type: ignore[arg-type]
        bn.running_var,  # type: ignore[arg-type]
        bn.eps,
        bn.weight,
        bn.bias,
    )
    conv.weight, conv.bias = weight, bias


def fuse_for_inference(model: nn.Module, *, channels_last: bool = False) -> nn.Module:
    """An eval-mode copy of ``model`` with each BatchNorm folded into its convolution.

    Covers every ``ConvBnAct`` (stem, block convs, SK branches, shortcut projections) and the SK
    ``Fuse`` fc. Folded BNs become ``nn.Identity`` so submodule names stay valid. Norms that are
    not BatchNorm with running statistics are left as they are. ``channels_last`` also converts
    the copy's weights to NHWC, the faster layout for convolutions on CPU; feed it NHWC inputs
    (``x.to(memory_format=torch.channels_last)``) to avoid a conversion at the first layer. The
    original model is not modified.
    """
    fused = copy.deepcopy(model).eval()
    with torch.no_grad():
        for module in fused.modules():
            if isinstance(module, ConvBnAct):
                conv = module.conv
            elif isinstance(module, Fuse):
                conv = module.fc
            else:
                continue
            if _foldable(module.bn):
                fold_bn_into_conv(conv, module.bn)  # type: ignore[arg-type]
                module.bn = nn.Identity()
    for param in fused.parameters():
        param.requires_grad_(False)
    if channels_last:
        fused = fused.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return fused


__all__ = ["fold_bn_into_conv", "fuse_for_inference"]
