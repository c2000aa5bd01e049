"""Smoke test of the benchmark script on tiny specs: every row is produced and sensible."""

from __future__ import annotations

from pathlib import Path

import torch

from benchmarks import bench_sknet as bench
from skbuilder import build_model

TINY = """
name: {name}
input: {{channels: 3, image_size: 32}}
stem: {{kind: classic, width: 16, pool: true}}
sk: {{M: 2, G: 4, r: 4, L: 8, dilate: true}}
stages:
  - {{name: a, depth: 1, mid_width: 16, out_width: 32, stride: 1, block: {block}}}
  - {{name: b, depth: 1, mid_width: 32, out_width: 64, stride: 2, block: {block}}}
head: {{num_classes: 10}}
"""


def _tiny(tmp_path: Path, name: str, block: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(TINY.format(name=name, block=block), encoding="utf-8")
    return path


def test_benchmark_runs_on_tiny_specs(tmp_path: Path) -> None:
    # batch 2: training-mode BN in the SK fuse needs more than one value per channel
    sk, base = _tiny(tmp_path, "tiny_sk", "sk_bottleneck"), _tiny(tmp_path, "tiny", "bottleneck")
    argv = ["--batch", "2", "--image-size", "32", "--repeats", "1", "--build-repeats", "1"]
    argv += ["--sk-spec", str(sk), "--baseline-spec", str(base), "--build-spec", str(sk)]
    lines: list[str] = []
    results = bench.run(bench.parse_args([*argv, "--no-timm"]), lines.append)
    assert "timm not installed" in lines[0]
    for step in ("eval sknet", "eval sknet fused+CL", "train sknet", "train resnext"):
        assert results[step] > 0
        assert any(line.lstrip().startswith(step) for line in lines)
    assert any("x resnext fused+CL" in line for line in lines)
    assert results["train sknet saved bytes"] > 0
    assert results["build tiny_sk (yaml)"] > 0


def test_saved_bytes_count_activations_not_weights() -> None:
    model = torch.nn.Linear(1000, 1)
    x = torch.randn(1, 1000)
    step = bench.train_step(model, x, torch.zeros(1, dtype=torch.long))
    assert bench.saved_tensor_bytes(model, step) < 1000 * 4 * 2


def test_allocator_peak_sees_the_step(tmp_path: Path) -> None:
    model = build_model(_tiny(tmp_path, "tiny_sk", "sk_bottleneck"))
    step = bench.train_step(model, torch.randn(2, 3, 32, 32), torch.zeros(2, dtype=torch.long))
    peak = bench.allocator_peak_bytes(step)
    assert peak is None or peak >= bench.saved_tensor_bytes(model, step)


def test_interleaved_timing_runs_each_step_per_round() -> None:
    calls: list[str] = []
    steps = {name: (lambda n=name: calls.append(n)) for name in ("a", "b")}
    times = bench.time_interleaved(steps, repeats=3, warmup=1)
    assert calls == ["a", "b"] * 4
    assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3}
