"""Training on several processes: BatchNorm whose statistics span every process's batch.

``torch.nn.SyncBatchNorm`` only synchronises GPU tensors. ``SyncBatchNorm2d`` here reduces its
statistics with ``all_reduce`` (through autograd), so it works with every backend that has
``all_reduce`` (gloo on CPU, NCCL on GPU). Outside training, or in a single process, it is plain
``BatchNorm2d``. On GPUs ``nn.SyncBatchNorm.convert_sync_batchnorm`` is the faster native choice;
a built model is a plain module, so either applies.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn
from torch import Tensor, nn


def _synchronised(group: Any) -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size(group) > 1


class SyncBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d over the union of all processes' batches while training in a process group.

    The mean and (biased) variance are all-reduced sums over every process; gradients flow back
    through the reduction, so the result equals BatchNorm over the concatenated batch. Running
    statistics use the unbiased variance, as ``BatchNorm2d`` does.
    """

    def __init__(self, num_features: int, *args: Any, process_group: Any = None, **kwargs: Any):
        super().__init__(num_features, *args, **kwargs)
        self.process_group = process_group

    def forward(self, x: Tensor) -> Tensor:
        group = self.process_group or (dist.group.WORLD if dist.is_available() else None)
        if not (self.training and _synchronised(group)):
            return super().forward(x)
        self._check_input_dim(x)
        C = x.shape[1]
        shape = (1, C, 1, 1)
        count = torch.full((1,), x.numel() // C, dtype=x.dtype, device=x.device)
        sums = dist_fn.all_reduce(torch.cat([x.sum((0, 2, 3)), count]), group=group)
        n = sums[C]
        mean = sums[:C] / n
        centered = x - mean.view(shape)
        var = dist_fn.all_reduce(centered.square().sum((0, 2, 3)), group=group) / n
        out = centered * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach(), n.item())
        return out

    @torch.no_grad()
    def _update_running_stats(self, mean: Tensor, var: Tensor, n: float) -> None:
        # tracked statistics exist whenever this runs (track_running_stats)
        assert self.running_mean is not None and self.running_var is not None
        assert self.num_batches_tracked is not None
        self.num_batches_tracked.add_(1)
        # momentum None: a cumulative moving average, as BatchNorm2d
        cumulative = 1.0 / float(self.num_batches_tracked)
        factor = cumulative if self.momentum is None else self.momentum
        unbiased = var * (n / max(n - 1.0, 1.0))
        self.running_mean.lerp_(mean.to(self.running_mean.dtype), factor)
        self.running_var.lerp_(unbiased.to(self.running_var.dtype), factor)


def convert_sync_batchnorm(module: nn.Module, process_group: Any = None) -> nn.Module:
    """``module`` with every ``BatchNorm2d`` replaced by a ``SyncBatchNorm2d`` that shares its
    parameters and buffers (so an optimizer made before still holds the right tensors). Call it
    before wrapping the model in ``DistributedDataParallel``."""
    if isinstance(module, nn.BatchNorm2d) and not isinstance(module, SyncBatchNorm2d):
        converted = SyncBatchNorm2d(
            module.num_features,
            module.eps,
            module.momentum,
            module.affine,
            module.track_running_stats,
            process_group=process_group,
        )
        if module.affine:
            converted.weight = module.weight
            converted.bias = module.bias
        if module.track_running_stats:
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
        converted.train(module.training)
        return converted
    for name, child in module.named_children():
        module.add_module(name, convert_sync_batchnorm(child, process_group))
    return module
