"""Plots of SK attention statistics (needs matplotlib: ``pip install skbuilder[viz]``).

Top panel: per SK conv, the mean attention on each branch (bars; the dotted line is the uniform
1/M). Bottom panel: per SK conv, the distribution over channels of the batch-mean attention on
the largest kernel minus the smallest (the paper's "attention difference", Figs. 3-4); above zero
the block leans to the large kernel. Figures are drawn on matplotlib's Agg canvas without pyplot,
so no display or global backend is involved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from skbuilder.analysis.attention import BlockAttention
from skbuilder.atomic_write import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _branch_label(m: int, stats: list[BlockAttention]) -> str:
    """Branch ``m`` (0-based index) named from 1, as the diagrams and the paper number them."""
    kernels = {s.kernels[m] for s in stats if s.kernels is not None and m < len(s.kernels)}
    if len(kernels) == 1:
        k = kernels.pop()
        return f"branch {m + 1} ({k}x{k} field)"
    return f"branch {m + 1}"


def attention_figure(stats: list[BlockAttention], *, title: str | None = None) -> Figure:
    """The two-panel figure for ``stats`` (one entry per SK conv, in network order)."""
    if not stats:
        raise ValueError("no SK attention to plot: the network has no SK convolutions")
    from matplotlib.figure import Figure

    n = len(stats)
    M = max(s.M for s in stats)
    fig = Figure(figsize=(max(7.5, 0.45 * n + 2.5), 8.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    positions = list(range(n))
    bar = 0.8 / M
    for m in range(M):
        xs = [i - 0.4 + bar * (m + 0.5) for i, s in enumerate(stats) if m < s.M]
        ys = [s.branch_mean[m] for s in stats if m < s.M]
        top.bar(xs, ys, width=bar, label=_branch_label(m, stats))
    for i, s in enumerate(stats):
        top.hlines(1 / s.M, i - 0.45, i + 0.45, colors="0.3", linestyles=":", linewidth=1)
    top.set_ylim(0, 1)
    top.set_ylabel("mean attention")
    top.set_title("mean attention on each branch (dotted: uniform 1/M)", fontsize=10)
    top.legend(loc="upper right", fontsize=8, ncols=min(M, 4))
    top.grid(axis="y", alpha=0.3)

    bottom.boxplot(
        [s.difference.numpy() for s in stats],
        positions=positions,
        widths=0.6,
        flierprops={"markersize": 2, "alpha": 0.5},
    )
    bottom.axhline(0, color="0.3", linewidth=1, linestyle=":")
    bottom.set_ylabel("a[widest] - a[narrowest]")
    bottom.set_title(
        "per channel: attention on the largest receptive field minus the smallest (batch mean)",
        fontsize=10,
    )
    bottom.grid(axis="y", alpha=0.3)
    bottom.set_xticks(positions, [s.name for s in stats], rotation=40, ha="right", fontsize=8)
    bottom.set_xlim(-0.7, n - 0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def save_attention_plot(
    stats: list[BlockAttention], path: str | Path, *, title: str | None = None, dpi: int = 110
) -> Path:
    """Draw ``stats`` and write a PNG to ``path`` atomically (temp file, then rename)."""
    fig = attention_figure(stats, title=title)
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return target
