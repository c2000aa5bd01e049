"""The positive control: networks whose attention is trained to follow object size.

A test that finds no effect only means something if it would have found one that is there.
The control takes each trained network and trains it one more epoch with a second loss that
pulls every chosen SK unit's per-image attention difference (the branch of the largest
receptive field minus the smallest, averaged over channels) towards a target that rises with
the log of the object's side. Such a network prefers its larger kernel for larger objects by
construction; the same analysis and test must find that, and the size of what they find shows
how much of a built-in effect survives the measurement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from skbuilder.analysis.attention import sk_sites, widest_and_narrowest


class SizeTarget:
    """While open, records the chosen SK units' attention (with its gradient) on each forward;
    ``loss(sizes)`` is then the mean squared distance of every unit's per-image difference from
    ``amplitude * t``, where ``t`` runs from -1 at the smallest trained side to +1 at the
    largest, linearly in the log of the side."""

    def __init__(
        self,
        model: nn.Module,
        units: Sequence[str],
        sizes: tuple[float, float],
        amplitude: float,
    ) -> None:
        sites = [s for s in sk_sites(model) if s.name in set(units)]
        missing = sorted(set(units) - {s.name for s in sites})
        if missing:
            raise ValueError(f"no SK units {missing} in the model")
        if not 0 < sizes[0] < sizes[1]:
            raise ValueError(f"need a range of object sides, got {sizes}")
        self.sites = sites
        self.branches = {s.name: widest_and_narrowest(s.kernels) for s in sites}
        self.log_low, self.log_high = math.log(sizes[0]), math.log(sizes[1])
        self.amplitude = amplitude
        self._attention: dict[str, Tensor] = {}
        self._handles: list[RemovableHandle] = []

    def __enter__(self) -> SizeTarget:
        for site in self.sites:
            self._handles.append(site.module.select.register_forward_hook(self._hook(site.name)))
        return self

    def __exit__(self, *exc: object) -> None:
        while self._handles:
            self._handles.pop().remove()

    def _hook(self, name: str) -> Callable[[nn.Module, tuple[Tensor, ...], Tensor], None]:
        def keep(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            self._attention[name] = output.flatten(2)  # (B, M, C), gradient kept

        return keep

    def target(self, sizes: Tensor) -> Tensor:
        """(B,) target differences for objects of side ``sizes``."""
        t = (sizes.log() - self.log_low) / (self.log_high - self.log_low)
        return self.amplitude * (2 * t.clamp(0, 1) - 1)

    def loss(self, sizes: Tensor) -> Tensor:
        target = self.target(sizes.float())
        losses = []
        for name, (wide, narrow) in self.branches.items():
            a = self._attention.pop(name)
            losses.append(F.mse_loss((a[:, wide] - a[:, narrow]).mean(1), target))
        return torch.stack(losses).mean()
