"""BatchNorm folding for inference: same outputs, original untouched, channels_last works."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from skbuilder import build_model
from skbuilder.interop.fusion import fuse_for_inference
from skbuilder.nn.layers import ConvBnAct, Fuse


def _with_running_stats(model: nn.Module) -> nn.Module:
    """A few train-mode passes so running means/variances (and the folded weights) are not trivial,
    plus random BN affine parameters."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.2, 0.2)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(2, 3, 64, 64))
    return model.eval()


@pytest.mark.parametrize("name", ["sknet26", "skresnet18", "resnext50_32x4d"])
@pytest.mark.parametrize("channels_last", [False, True])
def test_fused_outputs_match(specs_dir: Path, name: str, channels_last: bool) -> None:
    model = _with_running_stats(build_model(specs_dir / f"{name}.yaml"))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
    fused = fuse_for_inference(model, channels_last=channels_last)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        got = fused(x)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


def test_every_bn_is_folded_and_original_is_untouched(specs_dir: Path) -> None:
    model = _with_running_stats(build_model(specs_dir / "sknet26.yaml"))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fused = fuse_for_inference(model, channels_last=True)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    holders = [m for m in fused.modules() if isinstance(m, (ConvBnAct, Fuse))]
    assert holders and all(isinstance(m.bn, nn.Identity) for m in holders)
    assert not fused.training
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    conv = fused.stem.convs[0].conv
    assert conv.bias is not None
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_norms_without_running_stats_are_kept(specs_dir: Path) -> None:
    model = build_model(specs_dir / "skresnet18.yaml", norm_layer=lambda c: nn.GroupNorm(4, c))
    x = torch.randn(2, 3, 32, 32)
    fused = fuse_for_inference(model)
    assert sum(isinstance(m, nn.GroupNorm) for m in fused.modules()) == sum(
        isinstance(m, nn.GroupNorm) for m in model.modules()
    )
    with torch.no_grad():
        torch.testing.assert_close(fused(x), model.eval()(x))
