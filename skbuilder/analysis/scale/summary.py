"""Across-seed summaries of an experiment's results (the JSON that ``run_experiment`` writes):
per condition, unit and scale the mean and spread over seeds, and how consistently attention on
the larger kernel grows from the smallest object scale to the largest."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from skbuilder.analysis.scale.verdict import PAPERS_WAY, scale_keys, unit_differences

Results = Mapping[str, Any]


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (0 for one value), min and max of per-seed values."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def std(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def units(results: Results) -> list[str]:
    """Unit names in forward order (paper names where the model has them)."""
    return [u["paper_unit"] or u["unit"] for u in results["units"]]


@dataclass(frozen=True)
class UnitTrend:
    """One unit: the difference at each scale over seeds, and its change smallest -> largest."""

    unit: str
    by_scale: dict[str, Spread]
    change: Spread  # difference at the largest scale minus at the smallest, per seed
    rising: int  # seeds whose difference grows from the smallest to the largest scale
    monotone: int  # seeds whose difference grows at every step of scale
    seeds: int

    def change_to(self, scale: str) -> tuple[float, ...]:
        """Per seed: the difference at ``scale`` minus that at the smallest scale."""
        first = next(iter(self.by_scale.values())).values
        return tuple(b - a for a, b in zip(first, self.by_scale[scale].values))


def unit_trends(results: Results, condition: str, method: str = PAPERS_WAY) -> list[UnitTrend]:
    keys = scale_keys(results)
    table = unit_differences(results, condition, method)
    out = []
    for unit in units(results):
        per_scale = [table[unit][k] for k in keys]
        per_seed = list(zip(*per_scale))
        out.append(
            UnitTrend(
                unit=unit,
                by_scale={k: Spread(tuple(v)) for k, v in zip(keys, per_scale)},
                change=Spread(tuple(v[-1] - v[0] for v in per_seed)),
                rising=sum(v[-1] > v[0] for v in per_seed),
                monotone=sum(all(a < b for a, b in pairwise(v)) for v in per_seed),
                seeds=len(per_seed),
            )
        )
    return out


def class_means(results: Results, condition: str) -> dict[str, dict[str, dict[str, float]]]:
    """class -> scale -> unit -> difference averaged over seeds (paper's way)."""
    seeds = [s["conditions"][condition]["class_means"] for s in results["seeds"]]
    return {
        label: {
            k: {u: statistics.fmean(s[label][k][u] for s in seeds) for u in per_scale[k]}
            for k in per_scale
        }
        for label, per_scale in seeds[0].items()
    }


def channel_profiles(
    results: Results, condition: str, seed_index: int = 0
) -> dict[str, dict[str, list[float]]]:
    """unit -> scale -> attention on the larger kernel per channel, for one seed."""
    return results["seeds"][seed_index]["conditions"][condition]["large_kernel"]
