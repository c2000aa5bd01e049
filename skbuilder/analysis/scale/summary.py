"""Across-seed summaries of an experiment's results (the JSON that ``run_experiment`` writes):
per unit and scale the mean and spread over seeds, and how consistently attention on the
largest kernel grows from the smallest object scale to the largest."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from skbuilder.analysis.scale.stats import ALL_CLASSES

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


def scales(results: Results) -> list[str]:
    return [f"{s:g}" for s in results["config"]["scales"]]


def units(results: Results) -> list[str]:
    """Unit names in forward order (paper names where the model has them)."""
    rows = results["seeds"][0]["rows"]
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(r["paper_unit"] or r["unit"], None)
    return list(seen)


def differences(
    results: Results, method: str, label: str = ALL_CLASSES
) -> dict[str, dict[str, list[float]]]:
    """unit -> scale -> the mean attention difference of each seed (in seed order)."""
    out: dict[str, dict[str, list[float]]] = {}
    for seed in results["seeds"]:
        for r in seed["rows"]:
            if r["method"] == method and r["class"] == label:
                unit = r["paper_unit"] or r["unit"]
                out.setdefault(unit, {}).setdefault(f"{r['scale']:g}", []).append(r["difference"])
    return out


def classes(results: Results) -> list[str]:
    return list(results["config"]["classes"])


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


def unit_trends(results: Results, method: str) -> list[UnitTrend]:
    keys = scales(results)
    table = differences(results, method)
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


def mean_over_units(
    results: Results, method: str, selected: Sequence[str] | None = None
) -> dict[str, Spread]:
    """scale -> the per-seed mean of the difference over ``selected`` units (default all)."""
    table = differences(results, method)
    chosen = list(selected) if selected is not None else units(results)
    out = {}
    for k in scales(results):
        per_seed = zip(*(table[u][k] for u in chosen))
        out[k] = Spread(tuple(statistics.fmean(v) for v in per_seed))
    return out


def sign_agreement(results: Results) -> tuple[int, int]:
    """(agreeing, all) unit x seed pairs whose change from the smallest to the largest scale has
    the same sign under both ways of enlarging (the first two methods in the results)."""
    first, second = (unit_trends(results, m) for m in _methods(results)[:2])
    pairs = [
        (a, b) for x, y in zip(first, second) for a, b in zip(x.change.values, y.change.values)
    ]
    return sum((a > 0) == (b > 0) for a, b in pairs), len(pairs)


def _methods(results: Results) -> list[str]:
    seen: dict[str, None] = {}
    for r in results["seeds"][0]["rows"]:
        seen.setdefault(r["method"], None)
    return list(seen)


def largest_change(results: Results, method: str) -> float:
    """The largest |change| from the smallest to the largest scale over units and seeds."""
    return max(abs(v) for t in unit_trends(results, method) for v in t.change.values)


def standard_errors(results: Results, method: str) -> list[float]:
    """Per unit and seed at the smallest scale: the standard error of the mean difference over
    the test images (their standard deviation / sqrt(count)), i.e. the sampling noise."""
    first = min(results["config"]["scales"])
    return [
        r["difference_std"] / r["images"] ** 0.5
        for seed in results["seeds"]
        for r in seed["rows"]
        if r["method"] == method and r["class"] == ALL_CLASSES and r["scale"] == first
    ]


def beyond_noise(results: Results, method: str, factor: float = 3.0) -> tuple[int, int]:
    """(count, all) unit x seed changes, smallest to largest scale, larger than ``factor``
    standard errors of that unit's value at the smallest scale."""
    errors = standard_errors(results, method)  # seed-major, units in forward order
    trends = unit_trends(results, method)
    changes = [t.change.values[s] for s in range(trends[0].seeds) for t in trends]
    return sum(abs(c) > factor * e for c, e in zip(changes, errors)), len(changes)


def accuracy(results: Results) -> dict[int, dict[str, dict[str, float]]]:
    """seed -> method -> scale -> test accuracy."""
    return {s["seed"]: s["accuracy"] for s in results["seeds"]}


def class_means(results: Results, method: str) -> dict[str, dict[str, dict[str, float]]]:
    """class -> scale -> unit -> difference averaged over seeds."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for label in classes(results):
        table = differences(results, method, label)
        out[label] = {
            k: {u: statistics.fmean(table[u][k]) for u in units(results)} for k in scales(results)
        }
    return out


def channel_profiles(results: Results, seed_index: int = 0) -> dict[str, dict[str, list[float]]]:
    """unit -> scale -> attention on the largest kernel per channel, for one seed."""
    return results["seeds"][seed_index]["large_kernel"]
