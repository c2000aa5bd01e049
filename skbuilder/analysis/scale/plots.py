"""The paper's Fig. 3 and 4 for any model (needs matplotlib: ``pip install skbuilder[viz]``).

- ``channel_figure`` (Fig. 3a/3b): per chosen unit, the attention on the branch of the largest
  receptive field for every channel, one line per object scale.
- ``difference_figure`` (Fig. 3c): per unit, the mean attention difference (largest receptive
  field minus smallest), one curve per object scale, with error bars where a spread is given.
  The same figure shows changes (the difference at each scale minus that at 1.0x).
- ``class_figure`` (Fig. 4): the same per class, one thin line per class and scale.
- ``network_figure``: the experiment's statistic per network and condition, and its test.

Figures are drawn on the Agg canvas without pyplot, so no display is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from skbuilder.atomic_write import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Curve = tuple[Sequence[float], Sequence[float] | None]  # values, and their spread (or None)


def require_matplotlib() -> None:
    """ImportError with the install hint, before any long computation needs the plots."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'skbuilder[viz]'") from None


def _colour(index: int) -> str:
    return f"C{index % 10}"


def channel_figure(
    profiles: Mapping[str, Mapping[str, Sequence[float]]],
    units: Sequence[str],
    *,
    title: str | None = None,
) -> Figure:
    """``profiles[unit][scale]``: attention on the largest receptive field per channel."""
    from matplotlib.figure import Figure

    missing = [u for u in units if u not in profiles]
    if not units or missing:
        raise ValueError(f"no channel profile for units {missing or '(none chosen)'}")
    fig = Figure(figsize=(7.5, 2.6 * len(units) + 0.6), layout="constrained")
    axes = fig.subplots(len(units), 1, squeeze=False)[:, 0]
    for ax, unit in zip(axes, units):
        for i, (scale, values) in enumerate(profiles[unit].items()):
            ax.plot(range(len(values)), values, color=_colour(i), linewidth=1, label=f"{scale}x")
        ax.axhline(0.5, color="0.4", linestyle=":", linewidth=1)
        ax.set_title(unit, fontsize=10)
        ax.set_ylabel("attention, largest\nreceptive field")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title="object scale", title_fontsize=8, loc="best")
    axes[-1].set_xlabel("channel index")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


DIFFERENCE_LABEL = "mean attention difference\n(largest − smallest receptive field)"
SCALE_LEGEND = "object scale"


def _difference_axes(
    ax: Axes,
    units: Sequence[str],
    curves: Mapping[str, Curve],
    ylabel: str,
    first_colour: int,
    legend_title: str,
) -> None:
    positions = list(range(len(units)))
    scales = legend_title == SCALE_LEGEND
    for i, (key, (values, spread)) in enumerate(curves.items(), start=first_colour):
        ax.errorbar(
            positions,
            values,
            yerr=spread,
            color=_colour(i),
            marker="o",
            markersize=4,
            linewidth=1.4,
            capsize=3 if spread is not None else 0,
            label=f"{key}x" if scales else key,
        )
    ax.axhline(0, color="0.4", linestyle=":", linewidth=1)
    ax.set_xticks(positions, units, rotation=40, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title=legend_title, title_fontsize=8)


def difference_figure(
    units: Sequence[str],
    panels: Sequence[tuple[str, Mapping[str, Curve]]],
    *,
    title: str | None = None,
    ylabel: str = DIFFERENCE_LABEL,
    first_colour: int = 0,
    legend_title: str = SCALE_LEGEND,
) -> Figure:
    """One panel per (panel title, curve name -> (value per unit, spread per unit or None));
    curves are object scales (labelled ``1.5x``) unless another ``legend_title`` is given.
    ``first_colour`` shifts the colours, so that a scale keeps its colour across figures."""
    from matplotlib.figure import Figure

    if not units or not panels:
        raise ValueError("nothing to plot: no units or no panels")
    fig = Figure(figsize=(max(6.5, 0.5 * len(units) + 3), 3.6 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (name, curves) in zip(axes, panels):
        _difference_axes(ax, units, curves, ylabel, first_colour, legend_title)
        ax.set_title(textwrap.fill(name, 72), fontsize=10)  # a title wider than the axes is cut
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def class_figure(
    units: Sequence[str],
    per_class: Mapping[str, Mapping[str, Mapping[str, float]]],
    *,
    title: str | None = None,
) -> Figure:
    """``per_class[class][scale][unit]``: one thin line per class and scale, coloured by scale,
    and the mean over classes in bold."""
    from matplotlib.figure import Figure

    if not units or not per_class:
        raise ValueError("nothing to plot: no units or no classes")
    fig = Figure(figsize=(max(6.5, 0.5 * len(units) + 3), 4.2), layout="constrained")
    ax = fig.subplots()
    positions = list(range(len(units)))
    scale_keys = list(next(iter(per_class.values())))
    for i, scale in enumerate(scale_keys):
        lines = [[per_class[c][scale][u] for u in units] for c in per_class]
        for line in lines:
            ax.plot(positions, line, color=_colour(i), linewidth=0.6, alpha=0.35)
        mean = [sum(col) / len(col) for col in zip(*lines)]
        ax.plot(positions, mean, color=_colour(i), linewidth=2, label=f"{scale}x, class mean")
    ax.axhline(0, color="0.4", linestyle=":", linewidth=1)
    ax.set_xticks(positions, units, rotation=40, ha="right", fontsize=8)
    ax.set_ylabel(DIFFERENCE_LABEL)
    ax.set_title(f"per class ({len(per_class)} classes, thin lines)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Write ``fig`` as PNG to ``path`` whole or not at all."""
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return target


def network_figure(
    values: Mapping[str, Sequence[float]],
    errors: Mapping[str, Sequence[float]],
    seeds: Sequence[int],
    intervals: Mapping[str, tuple[float, float, float]],
    *,
    title: str | None = None,
    ylabel: str = "change of the mean attention difference",
) -> Figure:
    """Left: per condition, each seed's statistic with its standard error over test images,
    a seed's networks joined by a grey line. Right: per compared condition, the mean paired
    difference (from ``intervals``: name -> (mean, low, high)) with its confidence interval."""
    from matplotlib.figure import Figure

    if not values or not seeds:
        raise ValueError("nothing to plot: no conditions or no seeds")
    fig = Figure(figsize=(9.5, 4.0), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = list(values)
    shift = [0.06 * (i - (len(seeds) - 1) / 2) for i in range(len(seeds))]  # seeds side by side
    for i in range(len(seeds)):  # the line runs through the seed's own points
        xs = [x + shift[i] for x in range(len(names))]
        left.plot(xs, [values[n][i] for n in names], color="0.75", linewidth=0.8)
    for x, name in enumerate(names):
        left.errorbar([x + d for d in shift], values[name], yerr=errors[name], fmt="o",
                      color=_colour(x), markersize=4, capsize=2, linewidth=1)  # fmt: skip
    left.axhline(0, color="0.4", linestyle=":", linewidth=1)
    left.set_xticks(range(len(names)), names)
    left.set_ylabel(ylabel)
    left.set_title(f"each network ({len(seeds)} seeds), ± standard error over images", fontsize=10)
    left.grid(alpha=0.3)
    labels = list(intervals)
    for y, label in enumerate(labels):
        mean, low, high = intervals[label]
        right.errorbar([mean], [y], xerr=[[mean - low], [high - mean]], fmt="s", color="C3",
                       capsize=4)  # fmt: skip
    right.axvline(0, color="0.4", linestyle=":", linewidth=1)
    right.set_yticks(range(len(labels)), labels)
    right.set_ylim(-0.6, len(labels) - 0.4)
    right.set_xlabel("mean paired difference, 95 % interval")
    right.set_title("the test (paired over seeds)", fontsize=10)
    right.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
