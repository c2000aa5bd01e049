"""Building on the meta device still yields a fully initialised CPU model."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from skbuilder import build_model


def test_every_tensor_is_materialised_and_initialised(specs_dir: Path) -> None:
    model = build_model(specs_dir / "skresnet18.yaml")
    tensors = list(model.parameters()) + list(model.buffers())
    assert all(t.device.type == "cpu" and torch.isfinite(t).all() for t in tensors)
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean))
        assert torch.equal(bn.running_var, torch.ones_like(bn.running_var))
        assert int(bn.num_batches_tracked) == 0
    conv = model.stem.convs[0].conv
    fan_out = conv.out_channels * conv.kernel_size[0] * conv.kernel_size[1]
    assert abs(conv.weight.std().item() - (2 / fan_out) ** 0.5) < 0.1 * (2 / fan_out) ** 0.5
    assert torch.equal(model.head.fc.bias, torch.zeros_like(model.head.fc.bias))


def test_same_seed_same_weights(specs_dir: Path) -> None:
    torch.manual_seed(1)
    a = build_model(specs_dir / "skresnet18.yaml").state_dict()
    torch.manual_seed(1)
    b = build_model(specs_dir / "skresnet18.yaml").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


class ScaledNorm(nn.Module):
    """A norm with state but no ``reset_parameters``: the builder cannot re-initialise it."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels, 1, 1), 2.0))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.scale


def test_layers_without_reset_keep_their_own_init(specs_dir: Path) -> None:
    model = build_model(specs_dir / "skresnet18.yaml", norm_layer=ScaledNorm)
    scales = [m.scale for m in model.modules() if isinstance(m, ScaledNorm)]
    assert scales and all(s.device.type == "cpu" and bool((s == 2.0).all()) for s in scales)


def test_a_meta_build_has_the_shapes_and_no_storage(specs_dir: Path) -> None:
    real = build_model(specs_dir / "sknet26.yaml")
    meta = build_model(specs_dir / "sknet26.yaml", device="meta")
    assert {t.device.type for t in [*meta.parameters(), *meta.buffers()]} == {"meta"}
    shapes = {name: tuple(t.shape) for name, t in real.state_dict().items()}
    assert {name: tuple(t.shape) for name, t in meta.state_dict().items()} == shapes
    assert meta.spec == real.spec
    with torch.no_grad():
        out = meta(torch.empty(2, 3, 64, 64, device="meta"))
    assert out.shape == (2, 1000) and out.device.type == "meta"
