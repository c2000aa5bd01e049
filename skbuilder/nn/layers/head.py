"""Classifier head: an optional 1x1 conv, adaptive global pooling (so any input size works),
dropout, a linear layer."""

from __future__ import annotations

from torch import Tensor, nn


class ClassifierHead(nn.Module):
    """[conv] -> global average pool -> flatten -> dropout -> fc; ``num_classes=0`` keeps the
    features (the ``Head`` op describes it). ``w_in`` is the width that reaches the pool."""

    def __init__(
        self, w_in: int, num_classes: int, *, dropout: float = 0.0, conv: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv = conv if conv is not None else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(w_in, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.dropout(self.flatten(self.pool(self.conv(x)))))
