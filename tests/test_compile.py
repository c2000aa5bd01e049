"""Whole built models trace into one graph; with inductor (slow) the compiled model agrees."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder import build_model
from skbuilder.interop.fusion import fuse_for_inference
from tests.tiny_specs import tiny_spec


@pytest.mark.parametrize("fused", [False, True])
def test_model_traces_as_one_graph(fused: bool) -> None:
    """Both SK block kinds, split input and a projection (the tiny spec) trace as one graph."""
    torch._dynamo.reset()
    model = build_model(tiny_spec()).eval()
    if fused:
        model = fuse_for_inference(model, channels_last=True)
    x = torch.randn(2, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    compiled = torch.compile(model, backend="eager", fullgraph=True)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x))


@pytest.mark.slow
def test_inductor_compiled_fused_model_agrees(specs_dir: Path) -> None:
    torch._dynamo.reset()
    model = build_model(specs_dir / "skresnet18.yaml").eval()
    fused = fuse_for_inference(model, channels_last=True)
    x = torch.randn(2, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    compiled = torch.compile(fused, fullgraph=True)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), atol=1e-4, rtol=1e-4)
