"""CBAM: a channel gate then a spatial gate (the ``CBAM`` op describes it)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from skbuilder.nn.layers.conv_bn_act import ConvBnAct


class CBAM(nn.Module):
    """x' = x * sigmoid(MLP(avg x) + MLP(max x)), then
    out = x' * sigmoid(BN(conv([max_c x'; mean_c x'])))."""

    def __init__(
        self,
        channels: int,
        hidden: int,
        kernel: int = 7,
        *,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1), act_layer(inplace=True), nn.Conv2d(hidden, channels, 1)
        )
        self.spatial = ConvBnAct(2, 1, kernel_size=kernel, norm_layer=norm_layer, act_layer=None)

    def channel_gate(self, x: Tensor) -> Tensor:
        """Per-channel weights in (0, 1), shape (B, C, 1, 1)."""
        avg = self.mlp(x.mean((2, 3), keepdim=True))
        peak = self.mlp(x.amax((2, 3), keepdim=True))
        return (avg + peak).sigmoid()

    def spatial_gate(self, x: Tensor) -> Tensor:
        """Per-position weights in (0, 1), shape (B, 1, H, W)."""
        pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], dim=1)
        return self.spatial(pooled).sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        x = x * self.channel_gate(x)
        return x * self.spatial_gate(x)
