"""The hostile-input corpus (``hostile_cases.py``): every case refused with the right status,
at the right place, in words, without a traceback, within bounds of time and memory, leaving
every file as it was. A few properties need a fresh process: a closed pipe, absolute peak
memory, a file-size limit."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from skbuilder.cli import main
from skbuilder.spec import SpecError, parse_spec
from tests.conftest import ROOT
from tests.hostile_cases import CASES, VALID, Case
from tests.hostile_run import prepare, run_main, snapshot

CATEGORIES = {
    "yaml-reader",
    "tags",
    "numbers",
    "all-at-once",
    "paths",
    "options",
    "outputs",
    "terminal",
    "messages",
    "plugins",
    "kinds",
    "entry-points",
    "scale-options",
    "scale-files",
    "images",
    "streams",
    "commands",
}
#: Characters that must never reach the terminal raw: C0/C1 controls but the line break,
#: DEL, zero widths, bidi controls, line and paragraph separators.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
MAX_CPU_S = 1.0
MAX_GROWTH_KB = 200 * 1024  # in this process (pytest and torch already resident)
MAX_PEAK_KB = 500 * 1024  # absolute, in a fresh interpreter
#: Cases whose input is large or asks for much: their absolute peak is measured in a fresh
#: interpreter.
HEAVY = [
    "paths:spec-dev-zero",
    "paths:over-1MiB",
    "terminal:megabyte-key",
    "terminal:long-set-value",
    "options:image-png-12000",
    "options:image-jpeg-60000",
    "options:memory-attention",
    "options:memory-export",
    "options:batch-20000",
    "messages:budget-names-the-head",
    "plugins:file-over-1MiB",
    "scale-files:results-deep-lists",
    "scale-options:train-images-million",
    "images:attention-one-by-40-million",
    "images:analyze-thin",
    "streams:schema-full",
]


def test_corpus_covers_every_category_several_times() -> None:
    counts = Counter(case.category for case in CASES)
    assert len(CASES) >= 150
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 8, counts
    assert len({case.name for case in CASES}) == len(CASES)
    assert set(HEAVY) <= {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_input_is_refused_cleanly(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(case, tmp_path)
    monkeypatch.chdir(tmp_path)  # a file written without -o would land here
    if case.patch is not None:
        case.patch(monkeypatch)
    before = snapshot(tmp_path)
    result = run_main(case.argv, stdout=case.stdout, root=tmp_path, entries=case.path_entries)
    err, lines = result.err, result.err.splitlines()

    assert result.status == case.status, err
    assert "Traceback" not in err + result.out
    if case.where is not None:
        assert any(line.startswith(case.where) for line in lines), err[:3000]
    for word in case.words:
        assert word in err, f"{word!r} not in:\n{err[:3000]}"
    if case.problems is not None:
        n = case.problems
        assert lines[-1] == f"skbuilder: {n} problem{'s' if n != 1 else ''} in the spec"
    if case.status == 3:
        assert "problem" not in err  # a file that cannot be read is not a problem in a spec
    if case.stdout != "ok":  # one line says why standard output failed
        assert [line for line in lines if line.startswith("skbuilder: ")] == [case.where], err
    for word in case.not_out:
        assert word not in result.out, f"{word!r} on stdout:\n{result.out[:3000]}"
    assert not RAW_CONTROL.search(err + result.out)
    assert len(lines) <= 230 and max(map(len, lines), default=0) <= 1200, "unbounded echo"
    assert result.cpu_s < MAX_CPU_S, f"{result.cpu_s:.2f} s of CPU"
    if result.peak_kb is not None and result.start_kb is not None:
        assert result.peak_kb - result.start_kb < MAX_GROWTH_KB
    assert snapshot(tmp_path) == before, "a file was created, changed or removed"


def _run_fresh(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, env=env, check=False, **kwargs
    )


def test_refusals_peak_under_500_mb_and_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """One fresh interpreter: the heavy refusals' absolute peaks, then a command whose reader
    has gone before its first line (``skbuilder validate s.yaml | head -0``)."""
    spec, report = tmp_path / "s.yaml", tmp_path / "report.json"
    spec.write_text(VALID)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "tests.hostile_run", str(report), *HEAVY, "--"]
    process = subprocess.Popen(
        [*command, "validate", str(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141, err[-2000:]
    assert err == ""
    expected = {case.name: case.status for case in CASES}
    for name, figures in json.loads(report.read_text()).items():
        assert figures["status"] == expected[name], name
        assert not figures["traceback"] and not figures["changed"], (name, figures)
        assert figures["cpu_s"] < MAX_CPU_S, (name, figures)
        if figures["peak_kb"] is not None:
            assert figures["peak_kb"] < MAX_PEAK_KB, (name, figures)


@pytest.mark.slow
@pytest.mark.parametrize("command", [["summary", "{spec}"], ["dump", "{spec}"], ["--help"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(VALID)
    # Buffered stdout, as in a terminal session (argparse ignores a failed unbuffered write).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    argv = [a.format(spec=spec) for a in command]
    process = subprocess.Popen(
        [sys.executable, "-m", "skbuilder", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert err == ""


def test_attention_default_name_stays_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_text(VALID.replace("name: tiny", "name: ../outside/x"))
    monkeypatch.chdir(work)
    result = run_main(("attention", "s.yaml", "--random", "--batch", "1", "--input-size", "16"))
    assert result.status == 0, result.err
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "outside_x-attention.png",
        "s.yaml",
        "work",
    ]
    assert result.out.splitlines()[-1] == "wrote outside_x-attention.png"


@pytest.mark.parametrize(
    ("written", "value"),
    [("+1", 1), ("!!int '3'", 3), ("2", 2)],
)
def test_documented_integer_forms(written: str, value: int) -> None:
    spec = parse_spec(VALID.replace("depth: 1", f"depth: {written}"))
    assert spec.stages[0].depth == value


@pytest.mark.parametrize(
    ("written", "value"), [(".5", 0.5), ("0.", 0.0), ("2.5e-1", 0.25), ("!!float 1e-3", 0.001)]
)
def test_documented_float_forms(written: str, value: float) -> None:
    spec = parse_spec(VALID.replace("{num_classes: 3}", f"{{dropout: {written}}}"))
    assert spec.head.dropout == value


def test_quoted_and_tagged_text_stays_text() -> None:
    assert parse_spec(VALID.replace("name: tiny", "name: '010'")).name == "010"
    assert parse_spec(VALID.replace("name: tiny", "name: !!str 1:04")).name == "1:04"


def _limited_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".pt2", ".onnx"])
def test_export_onto_a_full_disk_is_an_error_and_leaves_nothing(
    tmp_path: Path, suffix: str
) -> None:
    if suffix == ".onnx":
        pytest.importorskip("onnxscript")
    spec = tmp_path / "s.yaml"
    spec.write_text(VALID)
    out = tmp_path / f"m{suffix}"
    done = _run_fresh(
        "-m",
        "skbuilder",
        "export",
        str(spec),
        "-o",
        str(out),
        preexec_fn=lambda: _limited_file_size(4096),
    )
    err = done.stderr.decode()
    assert done.returncode == 3, err[-2000:]
    assert f"cannot write {out}: file too large" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_full_disk_keeps_the_old_attention_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    from tests.hostile_cases import disk_full

    (tmp_path / "s.yaml").write_text(VALID)
    (tmp_path / "o.png").write_bytes(b"old plot")
    monkeypatch.chdir(tmp_path)
    disk_full(monkeypatch)
    from matplotlib.figure import Figure

    save = Figure.savefig

    def savefig(self: Figure, target: object, **kwargs: object) -> None:
        save(self, target, **kwargs)
        Path(str(target)).write_bytes(b"more")  # a further write meets the full disk

    monkeypatch.setattr(Figure, "savefig", savefig)
    assert main(["attention", "s.yaml", "--random", "--batch", "1", "-o", "o.png"]) == 3
    assert (tmp_path / "o.png").read_bytes() == b"old plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png", "s.yaml"]


def test_parse_spec_reports_reader_and_schema_problems_together() -> None:
    text = VALID.replace("name: tiny", "name: tiny\nname: twice").replace(
        "stride: 1}", "stride: 3}"
    )
    with pytest.raises(SpecError) as info:
        parse_spec(text, source="t.yaml")
    assert [(i.line, i.path) for i in info.value.issues] == [
        (2, ("name",)),
        (7, ("stages", 0, "stride")),
    ]


def test_output_through_a_link_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    from skbuilder.atomic_write import write_atomic

    target = tmp_path / "real.yaml"
    target.write_text("old")
    target.chmod(0o640)
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    write_atomic(tmp_path / "link.yaml", "new")
    assert (tmp_path / "link.yaml").is_symlink()
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # the replaced file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "real.yaml"]
