"""Smoke test of the benchmark script on tiny specs: every row and comparison is produced."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import bench_sknet as bench
from tests.tiny_specs import bottleneck_spec_file


def _tiny(tmp_path: Path, name: str, block: str) -> Path:
    return bottleneck_spec_file(tmp_path, name, block, [(1, 16, 32, 1), (1, 32, 64, 2)])


def _argv(tmp_path: Path) -> list[str]:
    sk, base = _tiny(tmp_path, "tiny_sk", "sk_bottleneck"), _tiny(tmp_path, "tiny", "bottleneck")
    argv = ["--batch", "2", "--image-size", "32", "--repeats", "2", "--build-repeats", "1"]
    return [*argv, "--sk-spec", str(sk), "--baseline-spec", str(base), "--build-spec", str(sk)]


def test_benchmark_runs_on_tiny_specs(tmp_path: Path) -> None:
    # batch 2: training-mode BN in the SK fuse needs more than one value per channel
    lines: list[str] = []
    out = tmp_path / "all.json"
    inference, train = bench.run(
        bench.parse_args([*_argv(tmp_path), "--no-timm", "--json", str(out)]), lines.append
    )
    labels = [e.label for e in inference.entries]
    assert labels == ["sknet50", "sknet50 NCHW", "resnext50", "resnext50 NCHW"]
    assert inference.baseline == "resnext50"
    assert [e.label for e in train.entries] == [
        "train sknet50",
        "train sknet50 CL",
        "train resnext50",
        "train resnext50 CL",
    ]
    assert all(e.saved_bytes and e.saved_bytes > 0 for e in train.entries)
    assert any(line.startswith("sknet50 / resnext50: ") for line in lines)
    assert any(line.startswith("train sknet50 / train resnext50: ") for line in lines)
    assert any("build tiny_sk (yaml)" in line for line in lines)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert [len(r["entries"]) for r in saved] == [4, 4]


def test_fastest_and_pairs(tmp_path: Path) -> None:
    argv = [*_argv(tmp_path), "--no-timm", "--no-train", "--no-memory"]
    (result,) = bench.run(bench.parse_args(argv), lambda _: None)
    best = bench.fastest(result.entries, "sknet50")
    assert best is not None and best.wall.median == min(
        e.wall.median for e in result.entries if e.label.startswith("sknet50")
    )
    assert bench.pair(result, "sknet50", "no such row") is None
    line = bench.pair(result, "sknet50", "resnext50")
    assert line is not None and "paired" in line
