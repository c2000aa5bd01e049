"""How a pairing is measured: the reference model with random weights and random BatchNorm
statistics, its state dict imported into the model built from the spec, both run in eval mode
on the same batch. Needs timm or torchvision (imported here, when called)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from skbuilder.interop.weights.load import import_timm_state_dict, import_torchvision_state_dict
from skbuilder.interop.weights.references import Library, Pairing
from skbuilder.nn.builder import build_model

IMPORTERS: dict[Library, Callable[[nn.Module, Mapping[str, Tensor]], None]] = {
    "timm": import_timm_state_dict,
    "torchvision": import_torchvision_state_dict,
}


def reference_model(pairing: Pairing) -> nn.Module:
    """The reference model, built by its library with random weights."""
    if pairing.library == "timm":
        timm = importlib.import_module("timm")
        return timm.create_model(pairing.model, pretrained=False)
    models = importlib.import_module("torchvision.models")
    return models.get_model(pairing.model, weights=None)


def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random BatchNorm statistics and affine terms and random biases, so that no layer is
    the identity or zero its default initialisation makes it (a swapped tensor would show)."""
    generator = torch.Generator().manual_seed(seed)

    def fill(t: Tensor, low: float, high: float) -> None:
        t.copy_(torch.rand(t.shape, generator=generator) * (high - low) + low)

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                assert module.running_mean is not None and module.running_var is not None
                fill(module.running_mean, -0.1, 0.1)
                fill(module.running_var, 0.5, 1.5)
                fill(module.weight, 0.5, 1.5)
                fill(module.bias, -0.1, 0.1)
            elif isinstance(module, nn.Conv2d | nn.Linear) and module.bias is not None:
                fill(module.bias, -0.1, 0.1)
    return model.eval()


@dataclass(frozen=True)
class Parity:
    """One pairing at one input size: both parameter counts and the outputs' difference."""

    pairing: Pairing
    image_size: int
    reference_params: int
    our_params: int
    max_abs_out: float
    max_abs_diff: float

    @property
    def relative(self) -> float:
        """The largest difference over the largest output."""
        return self.max_abs_diff / self.max_abs_out


def measure(pairing: Pairing, sizes: tuple[int, ...], *, batch: int = 2) -> list[Parity]:
    """Import a random reference model's weights into the spec's model and compare the two at
    each size in ``sizes``. Seeded: the reference's own initialisation draws from torch's global
    generator, which is set first (a rerun measures the same weights)."""
    torch.manual_seed(0)
    theirs = randomise(reference_model(pairing))
    ours = build_model(pairing.spec, max_params=None, max_macs=None).eval()
    IMPORTERS[pairing.library](ours, theirs.state_dict())
    counts = (_count(theirs), _count(ours))
    generator = torch.Generator().manual_seed(1)
    rows = []
    for size in sizes:
        x = torch.randn(batch, 3, size, size, generator=generator)
        with torch.no_grad():
            expected = theirs(x)
            diff = (ours(x) - expected).abs().max().item()
        rows.append(Parity(pairing, size, *counts, expected.abs().max().item(), diff))
    return rows


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
