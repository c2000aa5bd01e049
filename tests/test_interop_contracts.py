"""What leaves Python keeps the model's inference behaviour, checked early in the suite
(``tests/conftest.py`` runs this file right after the oracle and the build contracts): the
exported program and the ONNX graph use BatchNorm's running statistics whatever mode the model
was left in (export switches to eval mode, and says so in its docstrings), checked by outputs,
not by ``model.training``; SyncBatchNorm conversion replaces every norm and keeps its
hyper-parameters."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import Tensor, nn

from skbuilder import build_model
from skbuilder.interop.distributed import SyncBatchNorm2d, convert_sync_batchnorm
from skbuilder.interop.export import export_onnx, export_program
from tests.tiny_specs import tiny_spec

TOLERANCE = 1e-5


@pytest.fixture
def trained() -> tuple[nn.Module, Tensor, Tensor]:
    """The tiny SK model with random BN statistics, left in train mode; an input; and the
    model's eval-mode (running statistics) output for it."""
    model = build_model(tiny_spec())
    with torch.no_grad():  # statistics far from a batch's, so the mode shows in the outputs
        for name, tensor in model.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                tensor.normal_(0.0, 0.1)
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        running = model.eval()(x)
        batch = copy.deepcopy(model).train()(x)  # a copy: the running statistics stay
    assert (running - batch).abs().max().item() > 100 * TOLERANCE  # the mode shows
    return model.train(), x, running


def test_exported_program_uses_running_statistics_in_any_mode(trained) -> None:
    model, x, running = trained
    program = export_program(model).module()
    assert model.training  # given back as it was
    with torch.no_grad():
        assert (program(x) - running).abs().max().item() <= TOLERANCE


@pytest.mark.slow  # about 8 s of CPU; torch 2.13's exporter writes inference BN in any mode
def test_onnx_graph_uses_running_statistics_in_any_mode(trained, tmp_path) -> None:
    for package in ("onnx", "onnxscript", "onnxruntime"):
        pytest.importorskip(package)
    import onnxruntime

    model, x, running = trained
    path = export_onnx(model, tmp_path / "tiny.onnx")
    assert model.training
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert (torch.from_numpy(got) - running).abs().max().item() <= TOLERANCE


def test_sync_batchnorm_conversion_replaces_every_norm() -> None:
    model = build_model(tiny_spec())
    before = [
        (m.eps, m.momentum, m.num_features)
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    converted = convert_sync_batchnorm(model)
    norms = [m for m in converted.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == len(before) > 10
    assert all(type(m) is SyncBatchNorm2d for m in norms)
    assert [(m.eps, m.momentum, m.num_features) for m in norms] == before
