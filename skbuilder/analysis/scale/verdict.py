"""The experiment's statistic and test, fixed before the numbers (docs/scale-selection.md).

Statistic, per network (one seed in one condition): the mean over the SK units in the
statistic (those whose map is wider than their larger kernel's field) of the change in the
mean attention difference (branch of the largest receptive field minus the smallest, averaged
over channels and test images) from the smallest object scale to the largest, the objects
enlarged the paper's way. It equals the mean over test images of each image's network change,
whose spread gives the network's own standard error.

Test: paired over seeds, trained minus untrained (the same initial weights), two-sided t-test
at the 5 % level with its 95 % confidence interval (scipy.stats.ttest_rel); the same for the
positive control minus untrained. The rule: the set-up can detect the effect only if the
control's interval lies above zero; then the trained networks reproduce the paper's direction
if their interval lies above zero, go the other way if it lies below, and otherwise show no
effect that the test can detect, bounded by the interval.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALPHA = 0.05
CONFIDENCE = 1 - ALPHA
PAPERS_WAY = "crop-resize"
RENDERED = "rendered"
UNTRAINED, TRAINED, CONTROL = "untrained", "trained", "control"

Results = Mapping[str, Any]


def scale_keys(results: Results) -> list[str]:
    return [f"{s:g}" for s in results["config"]["scales"]]


def statistic_units(results: Results) -> list[str]:
    """Paper names (or module names) of the units in the statistic, in forward order."""
    chosen = [u["paper_unit"] or u["unit"] for u in results["units"] if u["in_statistic"]]
    return chosen or [u["paper_unit"] or u["unit"] for u in results["units"]]


def unit_differences(
    results: Results, condition: str, method: str = PAPERS_WAY
) -> dict[str, dict[str, list[float]]]:
    """unit -> scale -> the mean attention difference of each seed (in seed order)."""
    out: dict[str, dict[str, list[float]]] = {}
    for seed in results["seeds"]:
        for r in seed["conditions"][condition]["rows"]:
            if r["method"] == method:
                unit = r["paper_unit"] or r["unit"]
                out.setdefault(unit, {}).setdefault(f"{r['scale']:g}", []).append(r["difference"])
    return out


def network_changes(
    results: Results, condition: str, method: str = PAPERS_WAY, scale: str | None = None
) -> list[float]:
    """Per seed: the statistic (to ``scale``, default the largest), from the unit rows."""
    keys = scale_keys(results)
    first, last = keys[0], scale or keys[-1]
    table = unit_differences(results, condition, method)
    units = statistic_units(results)
    return [
        statistics.fmean(table[u][last][i] - table[u][first][i] for u in units)
        for i in range(len(results["seeds"]))
    ]


def network_errors(results: Results, condition: str, scale: str | None = None) -> list[float]:
    """Per seed: the standard error of the statistic over its test images (paper's way)."""
    last = scale or scale_keys(results)[-1]
    out = []
    for seed in results["seeds"]:
        change = seed["conditions"][condition]["network_change"][last]
        out.append(change["std"] / math.sqrt(change["images"]) if change["images"] else math.nan)
    return out


@dataclass(frozen=True)
class PairedTest:
    """A paired t-test of ``first - second`` over seeds, with its confidence interval."""

    first: str
    second: str
    differences: tuple[float, ...]
    mean: float
    low: float
    high: float
    t: float
    p_value: float

    @property
    def df(self) -> int:
        return len(self.differences) - 1

    @property
    def positive(self) -> int:
        return sum(d > 0 for d in self.differences)

    @property
    def sign(self) -> int:
        """+1 when the interval lies above zero, -1 below, 0 when it contains zero."""
        return 1 if self.low > 0 else -1 if self.high < 0 else 0


def paired_test(
    first: Sequence[float], second: Sequence[float], names: tuple[str, str]
) -> PairedTest:
    """Two-sided paired t-test and the 95 % t interval of the mean difference (scipy)."""
    from scipy import stats

    if len(first) != len(second) or len(first) < 2:
        raise ValueError("a paired test needs two equally long samples of at least two values")
    differences = tuple(a - b for a, b in zip(first, second))
    mean = statistics.fmean(differences)
    if statistics.pstdev(differences) == 0:  # scipy gives nan; the interval is the point
        return PairedTest(*names, differences, mean, mean, mean, math.inf, 0.0 if mean else 1.0)
    result = stats.ttest_rel(first, second)
    interval = result.confidence_interval(CONFIDENCE)
    return PairedTest(
        *names,
        differences,
        mean,
        float(interval.low),
        float(interval.high),
        float(result.statistic),
        float(result.pvalue),
    )


@dataclass(frozen=True)
class Verdict:
    """The two tests of the rule and what the rule concludes."""

    trained: PairedTest
    control: PairedTest
    drawn: PairedTest  # trained - untrained with the objects drawn larger instead of enlarged
    drawn_control: PairedTest  # control - untrained, drawn larger

    @property
    def detectable(self) -> bool:
        return self.control.sign > 0

    @property
    def outcome(self) -> str:
        if not self.detectable:
            return "no verdict: the positive control is not detected, so the set-up cannot tell"
        return {
            1: "the paper's direction: trained networks move their attention towards the larger "
            "kernel as objects grow, beyond what the untrained networks do",
            -1: "the opposite of the paper's direction: trained networks move their attention "
            "towards the smaller kernel as objects grow, beyond what the untrained networks do",
            0: "no effect detected: trained and untrained networks do not differ beyond the "
            "spread between seeds; the interval bounds what effect there can be",
        }[self.trained.sign]


def verdict(results: Results) -> Verdict:
    untrained = network_changes(results, UNTRAINED)
    return Verdict(
        trained=paired_test(network_changes(results, TRAINED), untrained, (TRAINED, UNTRAINED)),
        control=paired_test(network_changes(results, CONTROL), untrained, (CONTROL, UNTRAINED)),
        drawn=paired_test(
            network_changes(results, TRAINED, RENDERED),
            network_changes(results, UNTRAINED, RENDERED),
            (TRAINED, UNTRAINED),
        ),
        drawn_control=paired_test(
            network_changes(results, CONTROL, RENDERED),
            network_changes(results, UNTRAINED, RENDERED),
            (CONTROL, UNTRAINED),
        ),
    )
