"""``skbuilder bench`` and ``skbuilder.bench``: paired timing, reports, errors, on tiny specs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from skbuilder.bench import BenchConfig, BenchError, measure, prepare, run_bench
from skbuilder.bench.subjects import fold_for_inference
from skbuilder.bench.timing import Spread, paired_ratio, time_interleaved
from skbuilder.cli import main
from tests.tiny_specs import TINY

FAST = ["--image-size", "32", "--batch", "2", "--repeats", "2", "--warmup", "0"]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The tiny spec as a file (JSON is YAML)."""
    path = tmp_path / "tiny_sk.yaml"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    return path


@pytest.fixture
def tiny_plain(tmp_path: Path) -> Path:
    """The tiny spec with plain bottlenecks and basic blocks: a baseline without SK."""
    stages = [{**stage, "block": stage["block"].removeprefix("sk_")} for stage in TINY["stages"]]
    for stage in stages:
        stage.pop("sk", None)
    plain = {k: v for k, v in TINY.items() if k != "sk"}  # the bottleneck keeps G=4 as groups
    plain |= {"name": "tiny_plain", "groups": TINY["sk"]["G"], "stages": stages}
    path = tmp_path / "tiny_plain.yaml"
    path.write_text(json.dumps(plain), encoding="utf-8")
    return path


def test_text_report_has_both_models_and_the_ratio(
    tiny: Path, tiny_plain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(tiny), "--baseline", str(tiny_plain), *FAST]) == 0
    out = capsys.readouterr().out
    assert out.startswith("eager inference, batch 2, 32x32, channels_last input, 1 thread")
    rows = {line.split()[0]: line for line in out.splitlines() if line.endswith("MiB")}
    assert "fuse_for_inference, channels_last" in rows["tiny_sk"]
    assert "fuse_for_inference, channels_last" in rows["tiny_plain"]
    assert "tiny_sk / tiny_plain: wall " in out and "(paired " in out and "CPU " in out


def test_json_report_carries_every_number(
    tiny: Path, tiny_plain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", str(tiny), "--baseline", str(tiny_plain), *FAST, "--format", "json"]
    assert main([*argv, "--layout", "nchw"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["channels_last"] is False and data["baseline"] == "tiny_plain"
    assert [e["label"] for e in data["entries"]] == ["tiny_sk", "tiny_plain"]
    for entry in data["entries"]:
        assert len(entry["samples"]["wall"]) == len(entry["samples"]["cpu"]) == 2
        assert entry["wall"]["median"] > 0 and entry["wall"]["iqr"] >= 0
        assert entry["peak_bytes"] > 0 and "NCHW" in entry["how"]
    (ratio,) = data["ratios"]
    medians = [e["wall"]["median"] for e in data["entries"]]
    assert ratio["wall"] == pytest.approx(medians[0] / medians[1])
    assert data["versions"]["torch"] == torch.__version__


def test_training_step_reports_saved_activations(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(tiny), *FAST, "--train", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["entries"]
    assert entry["saved_bytes"] > 0 and entry["how"].startswith("train mode")


@pytest.mark.slow
def test_onnxruntime_mode_runs_the_exported_model(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("onnxruntime")
    assert main(["bench", str(tiny), *FAST, "--mode", "onnxruntime", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["entries"]
    assert entry["max_abs_diff"] <= 1e-4 and entry["peak_bytes"] is None
    assert "ORT_ENABLE_ALL" in entry["how"] and entry["mode"] == "onnxruntime"


@pytest.mark.slow
def test_compile_mode_compiles_before_timing(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch._dynamo.reset()
    assert main(["bench", str(tiny), *FAST, "--mode", "compile", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["entries"]
    assert entry["compile_seconds"] > entry["wall"]["median"] > 0
    assert entry["how"].endswith("torch.compile (freezing)")


def test_same_spec_as_baseline_gets_its_own_label(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(tiny), "--baseline", str(tiny), *FAST, "--no-memory"]) == 0
    assert "tiny_sk / tiny_sk (baseline)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--baseline", "timm:skresnext50_32x4d"], 4, "needs the timm package"),
        (["--mode", "onnxruntime"], 4, "needs the onnxruntime package"),
        (["--mode", "onnxruntime", "--train"], 1, "inference only"),
        (["--train", "--batch", "1"], 1, "--batch 2 or more"),
        (["--baseline", "no/such/spec.yaml"], 3, "cannot read spec"),
        (["--image-size", "4"], 1, "--input-size 4"),
    ],
)
def test_errors_are_one_message_without_traceback(
    tiny: Path,
    argv: list[str],
    status: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm fails
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["bench", str(tiny), *FAST, *argv]) == status
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_spec_is_reported_like_other_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstages:\n  - {depth: 1, out_width: 8, stride: 3}\n")
    assert main(["bench", str(bad)]) == 1
    assert "problem" in capsys.readouterr().err


def test_unknown_timm_model_is_refused() -> None:
    pytest.importorskip("timm")
    from skbuilder.bench import load_subject

    with pytest.raises(BenchError, match="no model called"):
        load_subject("timm:no_such_net")


def test_generic_fold_matches_eager_for_models_not_built_here() -> None:
    """Models without skbuilder's layers (timm's) are folded by torch.jit.freeze."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
    model[1].running_mean.uniform_(-1, 1)
    model[1].running_var.uniform_(0.5, 2)
    model.eval()
    x = torch.randn(2, 3, 16, 16).contiguous(memory_format=torch.channels_last)
    folded, how = fold_for_inference(model, x, channels_last=True)
    assert how == "torch.jit.freeze, channels_last"
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), atol=1e-5, rtol=1e-5)
    assert "batch_norm" not in str(folded.graph)


def test_entries_from_several_preparations_are_timed_together() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten())
    cl = BenchConfig(batch=1, image_size=8, repeats=3, warmup=0, memory=False)
    nchw = BenchConfig(batch=1, image_size=8, repeats=3, channels_last=False, memory=False)
    ready = prepare({"cl": model}, cl) + prepare({"nchw": model}, nchw)
    result = measure(ready, cl)
    assert result.baseline == "nchw" and [r.label for r in result.ratios] == ["cl"]
    assert [e.how for e in result.entries] == [
        "torch.jit.freeze, channels_last",
        "torch.jit.freeze, NCHW",
    ]
    with pytest.raises(BenchError, match="labels must differ"):
        measure(ready + ready[:1], cl)


def test_config_refuses_what_cannot_run() -> None:
    with pytest.raises(BenchError, match="inference only"):
        BenchConfig(mode="onnxruntime", train=True)
    with pytest.raises(BenchError, match="mode must be"):
        BenchConfig(mode="fast")
    with pytest.raises(BenchError, match="not among"):
        run_bench({"a": nn.Flatten()}, BenchConfig(image_size=4, repeats=1), baseline="b")


def test_rounds_alternate_order_and_time_every_step() -> None:
    calls: list[str] = []
    steps = {name: (lambda n=name: calls.append(n)) for name in ("a", "b", "c")}
    samples = time_interleaved(steps, repeats=3, warmup=1)
    assert calls == ["a", "b", "c", "c", "b", "a", "a", "b", "c", "c", "b", "a"]
    assert all(len(s.wall) == len(s.cpu) == 3 for s in samples.values())


def test_spread_and_paired_ratio() -> None:
    spread = Spread.of([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (spread.median, spread.q1, spread.q3, spread.iqr) == (3.0, 2.0, 4.0, 2.0)
    assert Spread.of([7.0]).iqr == 0
    assert paired_ratio([2.0, 3.0, 10.0], [1.0, 3.0, 4.0]) == 2.0


def test_command_line_constants_match_the_library() -> None:
    from skbuilder import bench
    from skbuilder.cli import bench as command

    assert (command.MODES, command.TIMM_PREFIX) == (bench.MODES, bench.TIMM_PREFIX)


def test_help_loads_no_torch() -> None:
    import subprocess

    code = (
        "import sys\nfrom skbuilder.cli import main\ntry:\n    main(['bench', '--help'])\n"
        "except SystemExit:\n    pass\nprint('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "--baseline SPEC|timm:NAME" in done.stdout
    assert done.stdout.strip().endswith("False")
