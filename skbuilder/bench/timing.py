"""Paired, interleaved timing: every candidate runs once per round, so load from other processes
falls on all of them alike, and each round gives one paired ratio per candidate."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from skbuilder import progress


@dataclass
class Samples:
    """Seconds per call of one step: wall clock and CPU time of the whole process (all torch
    threads), one value per timed round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of a list of seconds."""

    median: float
    q1: float
    q3: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if len(values) < 2:
            return cls(values[0], values[0], values[0])
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(median, q1, q3)


def time_interleaved(
    steps: Mapping[str, Callable[[], object]],
    *,
    repeats: int,
    warmup: int = 1,
    desc: str = "timing",
) -> dict[str, Samples]:
    """Time every step round-robin, ``warmup`` untimed rounds first. Odd rounds run the steps in
    reverse order, so no step always follows the same neighbour (caches, frequency)."""
    samples = {name: Samples() for name in steps}
    order = list(steps)
    with progress.bar(desc=desc, total=(warmup + repeats) * len(order), unit="step") as shown:
        for round_ in range(warmup + repeats):
            for name in order if round_ % 2 == 0 else order[::-1]:
                wall, cpu = time.perf_counter(), time.process_time()
                steps[name]()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if round_ >= warmup:
                    samples[name].wall.append(wall)
                    samples[name].cpu.append(cpu)
                shown.update(1)
    return samples


def paired_ratio(candidate: list[float], baseline: list[float]) -> float:
    """Median over rounds of candidate / baseline measured in the same round."""
    return statistics.median(c / b for c, b in zip(candidate, baseline, strict=True))


__all__ = ["Samples", "Spread", "paired_ratio", "time_interleaved"]
