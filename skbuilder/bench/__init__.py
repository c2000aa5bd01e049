"""Time models against each other the way they are deployed: paired, interleaved rounds in one
process, wall and CPU time, spread, peak memory, for eager PyTorch, ``torch.compile`` or ONNX
Runtime, inference or a training step.

``skbuilder bench`` is the command line; ``run_bench`` the same from Python::

    from skbuilder.bench import BenchConfig, load_subject, run_bench
    result = run_bench(
        dict([load_subject("sknet50"), load_subject("timm:skresnext50_32x4d")]),
        BenchConfig(batch=8, threads=1),
    )
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field

import torch
from torch import nn

from skbuilder import progress
from skbuilder.bench.memory import allocator_peak_bytes, saved_tensor_bytes
from skbuilder.bench.subjects import (
    LAYOUTS,
    MODES,
    TIMM_PREFIX,
    BenchError,
    MissingDependency,
    Prepared,
    inference,
    timm_model,
    training,
)
from skbuilder.bench.timing import Samples, Spread, paired_ratio, time_interleaved
from skbuilder.nn.threads import torch_threads
from skbuilder.spec.schema import NetworkSpec
from skbuilder.torch_cache import use_private_compile_cache

use_private_compile_cache()  # torch compiles here: its cache stays out of the shared temp folder


@dataclass(frozen=True)
class BenchConfig:
    """How to run: ``mode`` one of MODES; inference unless ``train``; NHWC unless not
    ``channels_last``; BatchNorm folded for inference unless not ``fold``; ``repeats`` timed
    rounds after ``warmup`` untimed ones."""

    mode: str = "eager"
    batch: int = 8
    image_size: int = 224
    channels: int = 3
    threads: int = 1
    train: bool = False
    repeats: int = 10
    warmup: int = 1
    channels_last: bool = True
    fold: bool = True
    memory: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise BenchError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.train and self.mode == "onnxruntime":
            raise BenchError("ONNX Runtime runs inference only; drop --train or pick another mode")
        if min(self.batch, self.image_size, self.channels, self.threads, self.repeats) < 1:
            raise BenchError("batch, image size, channels, threads and repeats must be positive")
        if self.train and self.batch < 2:
            raise BenchError("a training step needs a batch of at least 2 (BatchNorm statistics)")


@dataclass
class Entry:
    """One timed model: how it was prepared, its times (seconds) and memory (bytes)."""

    label: str
    how: str
    wall: Spread
    cpu: Spread
    samples: Samples
    mode: str = "eager"
    compile_seconds: float | None = None
    max_abs_diff: float | None = None
    peak_bytes: int | None = None
    saved_bytes: int | None = None


@dataclass
class Ratio:
    """One entry against the baseline: ratios of medians, and the median of per-round ratios."""

    label: str
    wall: float
    cpu: float
    paired_wall: float


@dataclass
class BenchResult:
    config: BenchConfig
    entries: list[Entry]
    baseline: str | None
    versions: dict[str, str]
    load_average: tuple[float, float] | None = None
    ratios: list[Ratio] = field(default_factory=list)


def load_subject(ref: str | NetworkSpec) -> tuple[str, nn.Module]:
    """``(label, model)`` for a spec (object, file or shipped name) or ``timm:NAME``."""
    from skbuilder.nn.builder import build_model
    from skbuilder.spec.loader import load_spec

    if isinstance(ref, str) and ref.startswith(TIMM_PREFIX):
        return ref, timm_model(ref.removeprefix(TIMM_PREFIX))
    spec = ref if isinstance(ref, NetworkSpec) else load_spec(ref)
    return spec.name, build_model(spec)


def run_bench(
    models: Mapping[str, nn.Module], config: BenchConfig, *, baseline: str | None = None
) -> BenchResult:
    """Prepare every model for ``config``, time them round-robin, measure memory, and give the
    ratio of each to ``baseline`` (a key of ``models``; default the last one when there are
    several)."""
    with torch_threads(config.threads):
        return measure(prepare(models, config), config, baseline=baseline)


def prepare(models: Mapping[str, nn.Module], config: BenchConfig) -> list[Prepared]:
    """Every model made ready for ``config`` (folded, converted, compiled or exported), with one
    shared random input; compiling happens here, under a progress line."""
    torch.manual_seed(0)
    x = torch.randn(config.batch, config.channels, config.image_size, config.image_size)
    if config.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    names = [f"prepare {label}" for label in models]
    ready = []
    with torch_threads(config.threads), progress.steps("bench", names) as step:
        for name, (label, model) in zip(names, models.items()):
            step(name)
            if config.train:
                made = training(label, model, x, config.mode, channels_last=config.channels_last)
            else:
                made = inference(
                    label,
                    model,
                    x,
                    config.mode,
                    channels_last=config.channels_last,
                    fold=config.fold,
                )
            ready.append(made)
    return ready


def measure(
    prepared: list[Prepared], config: BenchConfig, *, baseline: str | None = None
) -> BenchResult:
    """Time prepared models round-robin (``config``'s threads, repeats and warmup), then their
    memory; entries may come from several ``prepare`` calls (other modes or layouts)."""
    labels = [p.label for p in prepared]
    if len(set(labels)) != len(labels):
        raise BenchError(f"labels must differ, got {labels}")
    if baseline is None and len(prepared) > 1:
        baseline = labels[-1]
    if baseline is not None and baseline not in labels:
        raise BenchError(f"the baseline {baseline!r} is not among the models")
    load_before = _load_average()
    with torch_threads(config.threads):
        samples = time_interleaved(
            {p.label: p.step for p in prepared}, repeats=config.repeats, warmup=config.warmup
        )
        entries = [
            Entry(p.label, p.how, Spread.of(s.wall), Spread.of(s.cpu), s, p.mode)
            for p, s in zip(prepared, samples.values())
        ]
        for entry, ready in zip(entries, prepared):
            entry.compile_seconds, entry.max_abs_diff = ready.compile_seconds, ready.max_abs_diff
        if config.memory:
            for entry, ready in zip(entries, progress.bar(prepared, desc="memory", unit="model")):
                _measure_memory(entry, ready)
    result = BenchResult(config, entries, baseline, _versions(), _span(load_before))
    if baseline is not None:
        base = entries[labels.index(baseline)]
        result.ratios = [
            Ratio(
                e.label,
                e.wall.median / base.wall.median,
                e.cpu.median / base.cpu.median if base.cpu.median > 0 else float("nan"),
                paired_ratio(e.samples.wall, base.samples.wall),
            )
            for e in entries
            if e is not base
        ]
    return result


def _measure_memory(entry: Entry, ready: Prepared) -> None:
    """Allocator peak of one step (not for ONNX Runtime, whose memory torch cannot see); for a
    training step also the activations saved for backward."""
    if ready.mode == "onnxruntime":
        return
    if ready.train and ready.model is not None:
        entry.saved_bytes = saved_tensor_bytes(ready.model, ready.step)
    entry.peak_bytes = allocator_peak_bytes(ready.step)


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _span(before: float | None) -> tuple[float, float] | None:
    after = _load_average()
    return None if before is None or after is None else (before, after)


def _versions() -> dict[str, str]:
    import importlib.metadata as metadata

    versions = {"torch": str(torch.__version__)}
    for package in ("timm", "onnxruntime"):
        with suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


__all__ = [
    "LAYOUTS",
    "MODES",
    "TIMM_PREFIX",
    "BenchConfig",
    "BenchError",
    "BenchResult",
    "Entry",
    "MissingDependency",
    "Ratio",
    "load_subject",
    "measure",
    "prepare",
    "run_bench",
    "torch_threads",
]
