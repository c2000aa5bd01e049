"""The command line: output, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skbuilder.cli import main
from tests.conftest import ROOT, SPECS


def test_summary_prints_stage_rows_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(SPECS / "sknet50.yaml")]) == 0
    out = capsys.readouterr().out
    for row in ("stem", "conv2", "conv3", "conv4", "conv5", "head"):
        assert any(line.startswith(row) for line in out.splitlines())
    assert "256x56x56" in out and "2048x7x7" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert "27,479,784" in total and "4.46G" in total


def test_summary_input_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(SPECS / "sknet50.yaml"), "--input-size", "320"]) == 0
    assert "2048x10x10" in capsys.readouterr().out


def test_summary_refuses_an_input_size_that_collapses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(SPECS / "sknet50.yaml"), "--input-size", "16"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "17x17" in err


def test_validate_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SPECS / "sknet101.yaml")]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstages:\n  - {depth: 1, out_width: 8, stride: 3}\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:38: spec.stages.0.stride:" in err


def test_missing_file_is_one_line_with_status_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "does/not/exist.yaml"]) == 3
    err = capsys.readouterr().err
    assert err == "does/not/exist.yaml: spec: cannot read spec: no such file or directory\n"


def test_console_entry_point_help_and_bad_usage() -> None:
    run = [sys.executable, "-m", "skbuilder"]
    ok = subprocess.run([*run, "--help"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert ok.returncode == 0 and "summary" in ok.stdout and "validate" in ok.stdout
    bad = subprocess.run([*run, "summary"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
