"""A small supervised training loop: SGD with momentum or AdamW, a one-cycle learning rate."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: SGD with Nesterov momentum, or AdamW (faster from scratch in a few hundred steps).
OPTIMIZERS = ("sgd", "adamw")


def train_classifier(
    model: nn.Module,
    epoch_batches: Callable[[int], Iterable[tuple[Tensor, ...]]],
    *,
    epochs: int,
    steps_per_epoch: int,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    on_step: Callable[[float], None] | None = None,
    extra_loss: Callable[[tuple[Tensor, ...]], Tensor] | None = None,
    optimizer: str = "sgd",
) -> list[float]:
    """Train ``model`` for ``epochs`` passes over ``epoch_batches(epoch)`` (``steps_per_epoch``
    (images, labels) batches each) with cross-entropy; returns each step's loss and leaves the
    model in eval mode. The one-cycle schedule (warm-up, then annealing) lets a few epochs reach
    a usable accuracy from scratch; ``on_step(loss)`` reports progress. Batches may carry more
    tensors after the labels; ``extra_loss(those)``, called after each forward, is added to the
    cross-entropy (e.g. a loss on what hooks recorded in that forward)."""
    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(
            f"need at least one epoch and one step, got {epochs} and {steps_per_epoch}"
        )
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    step_rule: torch.optim.Optimizer = (
        torch.optim.SGD(
            model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True
        )
        if optimizer == "sgd"
        else torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        step_rule, max_lr=lr, total_steps=epochs * steps_per_epoch
    )
    losses: list[float] = []
    model.train()
    for epoch in range(epochs):
        for step, (images, labels, *rest) in enumerate(epoch_batches(epoch)):
            if step >= steps_per_epoch:
                raise ValueError(f"epoch {epoch} gives more than {steps_per_epoch} batches")
            loss = F.cross_entropy(model(images), labels)
            if extra_loss is not None:
                loss = loss + extra_loss(tuple(rest))
            step_rule.zero_grad(set_to_none=True)
            loss.backward()
            step_rule.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(losses[-1])
    model.eval()
    return losses
