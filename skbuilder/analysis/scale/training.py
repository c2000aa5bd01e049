"""A small supervised training loop: SGD with momentum and a one-cycle learning rate."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def train_classifier(
    model: nn.Module,
    epoch_batches: Callable[[int], Iterable[tuple[Tensor, Tensor]]],
    *,
    epochs: int,
    steps_per_epoch: int,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    on_step: Callable[[float], None] | None = None,
) -> list[float]:
    """Train ``model`` for ``epochs`` passes over ``epoch_batches(epoch)`` (``steps_per_epoch``
    (images, labels) batches each) with cross-entropy; returns each step's loss and leaves the
    model in eval mode. The one-cycle schedule (warm-up, then annealing) lets a few epochs reach
    a usable accuracy from scratch; ``on_step(loss)`` reports progress."""
    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(
            f"need at least one epoch and one step, got {epochs} and {steps_per_epoch}"
        )
    optimizer = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch
    )
    losses: list[float] = []
    model.train()
    for epoch in range(epochs):
        for step, (images, labels) in enumerate(epoch_batches(epoch)):
            if step >= steps_per_epoch:
                raise ValueError(f"epoch {epoch} gives more than {steps_per_epoch} batches")
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(losses[-1])
    model.eval()
    return losses
