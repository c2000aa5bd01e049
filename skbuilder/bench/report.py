"""A benchmark result as a table for people or as JSON for programs."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from skbuilder.bench import BenchResult, Entry
from skbuilder.text import table

MIB = 2**20


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / MIB:.1f} MiB"


def settings_line(result: BenchResult) -> str:
    c = result.config
    what = "training step" if c.train else "inference"
    layout = "channels_last" if c.channels_last else "NCHW"
    versions = ", ".join(f"{k} {v}" for k, v in result.versions.items())
    line = (
        f"{c.mode} {what}, batch {c.batch}, {c.image_size}x{c.image_size}, {layout} input, "
        f"{c.threads} thread{'s' if c.threads != 1 else ''}, {c.repeats} rounds ({versions})"
    )
    if result.load_average is not None:
        line += f"; load average {result.load_average[0]:.2f} -> {result.load_average[1]:.2f}"
    return line


def text(result: BenchResult) -> str:
    """The settings, one row per model, and the ratios to the baseline."""
    train = result.config.train
    head = ["model", "prepared as", "wall median", "IQR", "CPU median", "peak memory"]
    if train:
        head.append("saved for backward")
    rows = []
    for e in result.entries:
        row = [e.label, e.how, _ms(e.wall.median), _ms(e.wall.iqr), _ms(e.cpu.median)]
        row.append(_mib(e.peak_bytes))
        if train:
            row.append(_mib(e.saved_bytes))
        rows.append(row)
    lines = [settings_line(result), "", table(head, rows, right=range(2, len(head)))]
    lines += [f"{e.label}: {note}" for e in result.entries for note in _notes(e)]
    if result.ratios:
        lines.append("")
        lines += [
            f"{r.label} / {result.baseline}: wall {r.wall:.3f}x (paired {r.paired_wall:.3f}x),"
            f" CPU {r.cpu:.3f}x"
            for r in result.ratios
        ]
    lines.append(
        "peak memory: the most PyTorch's allocator held above the level before one step "
        "(n/a: not visible to torch)"
    )
    return "\n".join(lines)


def _notes(e: Entry) -> list[str]:
    notes = []
    if e.compile_seconds is not None:
        notes.append(f"first call (compile) {e.compile_seconds:.1f} s")
    if e.max_abs_diff is not None:
        notes.append(f"max |onnxruntime - eager| = {e.max_abs_diff:.3g}")
    return notes


def as_json(result: BenchResult) -> str:
    """Every number of ``result``, seconds and bytes, with the rounds' raw samples."""
    data: dict[str, Any] = {
        "settings": asdict(result.config),
        "versions": result.versions,
        "load_average": result.load_average,
        "baseline": result.baseline,
        "entries": [],
        "ratios": [asdict(r) for r in result.ratios],
    }
    for e in result.entries:
        entry = asdict(e)
        for key in ("wall", "cpu"):
            entry[key] = {**entry[key], "iqr": getattr(e, key).iqr}
        data["entries"].append(entry)
    return json.dumps(data, indent=2)


__all__ = ["as_json", "settings_line", "text"]
