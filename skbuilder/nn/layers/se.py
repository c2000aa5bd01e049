"""Squeeze-and-excitation: a channel gate (the ``SE`` op describes it)."""

from __future__ import annotations

from torch import Tensor, nn


class SqueezeExcite(nn.Module):
    """x * sigmoid(fc2(act(fc1(GAP(x))))), both fcs biased 1x1 convs (no reshape, any layout)."""

    def __init__(self, channels: int, hidden: int, *, act_layer: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.act = act_layer(inplace=True)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def gate(self, x: Tensor) -> Tensor:
        """The per-channel weights in (0, 1), shape (B, C, 1, 1)."""
        return self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True)))).sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gate(x)
