"""The built model compiles as one graph, exports with torch.export and to ONNX, and the exported
forms compute what eager PyTorch computes."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from skbuilder import build_model
from skbuilder.cli import main
from skbuilder.interop.export import (
    ExportError,
    example_input,
    export_onnx,
    export_program,
    graph_break_count,
    onnx_max_abs_diff,
    save_program,
)
from skbuilder.interop.weights import save_state_dict_file
from tests.tiny_specs import TINY, tiny_spec

TOLERANCE = 1e-5


def _need_onnx() -> None:
    for package in ("onnx", "onnxscript", "onnxruntime"):
        pytest.importorskip(package)


@pytest.fixture
def model() -> torch.nn.Module:
    net = build_model(tiny_spec())
    with torch.no_grad():  # non-trivial BN statistics, so eval mode matters
        for name, tensor in net.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                tensor.normal_(0.0, 0.1)
    return net.eval()


def test_forward_has_no_graph_breaks(model):
    assert graph_break_count(model) == 0


@pytest.mark.slow
def test_compiled_fullgraph_matches_eager(model):
    compiled = torch.compile(model, fullgraph=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert (compiled(x) - model(x)).abs().max().item() <= TOLERANCE


def test_torch_export_matches_eager_at_any_batch(model):
    program = export_program(model).module()
    for batch in (1, 3):
        x = torch.randn(batch, 3, 32, 32)
        with torch.no_grad():
            assert (program(x) - model(x)).abs().max().item() <= TOLERANCE


def test_saved_program_loads_back(model, tmp_path):
    path = save_program(model, tmp_path / "tiny.pt2")
    program = torch.export.load(str(path)).module()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert (program(x) - model(x)).abs().max().item() <= TOLERANCE


@pytest.mark.slow
def test_onnx_matches_eager_at_any_batch(model, tmp_path):
    _need_onnx()
    path = export_onnx(model, tmp_path / "tiny.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.onnx"]  # one file, no temp left
    for batch in (1, 2, 5):
        assert onnx_max_abs_diff(model, path, torch.randn(batch, 3, 32, 32)) <= TOLERANCE


def test_export_keeps_the_training_mode(model, tmp_path):
    model.train()
    export_program(model)
    assert model.training


def test_too_small_input_is_refused_before_tracing(model):
    with pytest.raises(ExportError, match="smallest input this network takes is"):
        example_input(model, 4)


def test_failed_export_leaves_no_file(model, tmp_path, monkeypatch):
    _need_onnx()

    def broken_export(*args, **kwargs):
        raise RuntimeError("tracer failed")

    monkeypatch.setattr(torch.onnx, "export", broken_export)
    with pytest.raises(RuntimeError, match="tracer failed"):
        export_onnx(model, tmp_path / "tiny.onnx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_cli_exports_a_spec_with_weights_and_checks_it(tmp_path, capsys):
    _need_onnx()
    spec = tmp_path / "tiny.yaml"
    spec.write_text(json.dumps(TINY))  # JSON is YAML
    weights = save_state_dict_file(build_model(tiny_spec()), tmp_path / "w.safetensors")
    out = tmp_path / "tiny.onnx"
    assert main(["export", str(spec), "-o", str(out), "--weights", str(weights), "--check"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out} (ONNX, any batch x 3x32x32)" in printed
    diff = float(printed.split("= ")[1].split()[0])
    assert diff <= TOLERANCE


@pytest.mark.parametrize(
    ("extra", "message", "status"),
    [
        (["-o", "{tmp}/m.zip"], "unknown format; use a name ending in .onnx or .pt2", 1),
        (["-o", "{tmp}/absent/m.onnx"], "does not exist", 3),
        (["-o", "{tmp}/m.pt2", "--check"], "--check applies to .onnx output only", 1),
        (["-o", "{tmp}/m.onnx", "--input-size", "4"], "smallest input this network takes", 1),
        (["-o", "{tmp}/m.onnx", "--weights", "{tmp}/none.pt"], "no such file", 3),
        (["-o", "{tmp}/m.onnx", "--timm-weights", "{tmp}/w.pt"], "nothing loaded", 1),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, extra, message, status):
    _need_onnx()
    spec = tmp_path / "tiny.yaml"
    spec.write_text(json.dumps(TINY))
    torch.save(build_model(tiny_spec()).state_dict(), tmp_path / "w.pt")
    args = ["export", str(spec), *(a.format(tmp=tmp_path) for a in extra)]
    assert main(args) == status
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not any(p.suffix in (".onnx", ".pt2") for p in tmp_path.rglob("*"))


def test_missing_onnx_packages_are_named(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # import fails as if not installed
    with pytest.raises(ExportError, match="onnxscript is missing"):
        export_onnx(model, tmp_path / "tiny.onnx")
    assert list(tmp_path.iterdir()) == []
