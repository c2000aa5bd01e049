"""Streaming statistics of SK attention per unit, object scale and class.

Only running sums are kept, never the attention tensors: per (unit, scale, class) the image
count, the sum of the (M, C) attention, and the sum and sum of squares of each image's mean
attention difference (the branch of the largest receptive field minus that of the smallest,
averaged over channels). Per scale, the same sums of each image's *network change*: its
difference averaged over the chosen units, minus that at the first scale (the same image
unenlarged). Memory depends on the number of units, scales, classes and channels, not on the
number of images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from skbuilder.analysis.attention import widest_and_narrowest

ALL_CLASSES = "all"


@dataclass
class _Sums:
    count: int = 0
    attention: Tensor | None = None  # (M, C) float64: sum over images
    difference: float = 0.0  # sum over images of mean_c(a[widest] - a[narrowest])
    difference_sq: float = 0.0

    def add(self, a: Tensor, per_image: Tensor) -> None:
        """Add a (B, M, C) float64 batch and its (B,) per-image differences."""
        total = a.sum(0)
        self.attention = total if self.attention is None else self.attention + total
        self.count += a.shape[0]
        self.difference += float(per_image.sum())
        self.difference_sq += float((per_image * per_image).sum())

    def merge(self, other: _Sums) -> None:
        if other.attention is None:
            return
        self.attention = (
            other.attention.clone() if self.attention is None else self.attention + other.attention
        )
        self.count += other.count
        self.difference += other.difference
        self.difference_sq += other.difference_sq


@dataclass
class Moments:
    """Count, sum and sum of squares of a stream of values: their mean and standard deviation."""

    count: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def add(self, values: Tensor) -> None:
        self.count += len(values)
        self.total += float(values.sum())
        self.total_sq += float((values * values).sum())

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation (0 for fewer than two values)."""
        n = self.count
        if n < 2:
            return 0.0
        return math.sqrt(max((self.total_sq - n * self.mean**2) / (n - 1), 0.0))


def image_differences(a: Tensor, extents: tuple[int, ...]) -> Tensor:
    """(B,): per image, the channel mean of the attention on the branch of the largest receptive
    field minus that on the smallest (``extents``: each branch's field) of a (B, M, C) tensor."""
    wide, narrow = widest_and_narrowest(extents)
    return (a[:, wide] - a[:, narrow]).mean(1)


@dataclass(frozen=True)
class AttentionRow:
    """One line of the tidy table: a unit at one object scale over one class (or all)."""

    unit: str  # SK conv name, e.g. conv3.3.conv2
    paper_unit: str | None  # e.g. SK_3_4; None outside the stages
    scale: float
    label: str  # class name, or "all"
    images: int
    branch_mean: tuple[float, ...]  # mean attention on each branch (over images and channels)
    extents: tuple[int, ...]  # receptive field of each branch
    difference: float  # mean of a[widest] - a[narrowest] over images and channels
    difference_std: float  # standard deviation over images of each image's channel mean

    def record(self) -> dict[str, object]:
        """A flat mapping for CSV and JSON (branch means as a1, a2, ..., numbered as drawn)."""
        out: dict[str, object] = {
            "unit": self.unit,
            "paper_unit": self.paper_unit or "",
            "scale": self.scale,
            "class": self.label,
            "images": self.images,
        }
        out.update({f"a{m}": round(v, 6) for m, v in enumerate(self.branch_mean, 1)})
        out["fields"] = ",".join(str(e) for e in self.extents)
        out["difference"] = round(self.difference, 6)
        out["difference_std"] = round(self.difference_std, 6)
        return out


@dataclass
class ScaleAttentionStats:
    """Running sums of attention per SK unit x object scale x class, and of correct predictions
    per scale. ``units`` maps each SK conv name to its paper name (or None), in forward order;
    ``extents`` gives each unit's receptive field per branch (a 3x3 of dilation 2 is 5), which
    decides the branches whose difference is taken. ``network_units`` (default: all) are those
    averaged in each image's network change."""

    units: dict[str, str | None]
    extents: Mapping[str, tuple[int, ...]]
    class_names: Sequence[str] | None = None
    network_units: Sequence[str] | None = None
    _sums: dict[tuple[str, float, int | None], _Sums] = field(default_factory=dict)
    _correct: dict[float, list[int]] = field(default_factory=dict)  # scale -> [right, seen]
    _change: dict[float, Moments] = field(default_factory=dict)
    _first: tuple[float, Tensor] | None = None  # the latest batch's network mean at its scale

    def __post_init__(self) -> None:
        missing = [u for u in self.units if u not in self.extents]
        if missing:
            raise ValueError(f"no receptive fields given for units {missing}")
        for unit in self.units:
            try:
                widest_and_narrowest(tuple(self.extents[unit]))
            except ValueError as exc:
                raise ValueError(f"SK unit {unit}: {exc}") from None
        unknown = [u for u in self.network_units or () if u not in self.units]
        if unknown:
            raise ValueError(f"network units {unknown} are not among the SK units")

    def update(self, attention: Mapping[str, Tensor], scale: float, labels: Tensor | None) -> None:
        """Add one forward's attention, name -> (B, M, C), at ``scale``; ``labels`` (B,) or None.

        A batch is given at the first scale, then at each further one in turn (as
        ``analyze_scales`` does), so that each image's network change pairs it with itself."""
        differences: dict[str, Tensor] = {}
        for name, a in attention.items():
            if name not in self.units:
                raise KeyError(f"attention of an unknown SK unit {name!r}")
            a = a.detach().to("cpu", torch.float64)
            d = differences[name] = image_differences(a, tuple(self.extents[name]))
            if labels is None:
                self._sums.setdefault((name, scale, None), _Sums()).add(a, d)
                continue
            if labels.shape != (a.shape[0],):
                raise ValueError(f"{a.shape[0]} images but labels of shape {tuple(labels.shape)}")
            for label in labels.unique().tolist():
                mine = labels == label
                self._sums.setdefault((name, scale, int(label)), _Sums()).add(a[mine], d[mine])
        self._update_change(differences, scale)

    def _update_change(self, differences: Mapping[str, Tensor], scale: float) -> None:
        chosen = list(self.network_units or self.units)
        if any(u not in differences for u in chosen):
            return  # a partial forward: no network mean
        network = torch.stack([differences[u] for u in chosen]).mean(0)
        if self._first is None or scale <= self._first[0]:
            self._first = (scale, network)  # a new batch starts at its first scale
        first = self._first[1]
        if len(first) != len(network):
            raise ValueError("a batch changed size between scales")
        self._change.setdefault(scale, Moments()).add(network - first)

    def network_change(self, scale: float) -> Moments:
        """Moments over images of each image's network change at ``scale``: its difference
        averaged over the network units, minus that of the same image at the first scale."""
        if scale not in self._change:
            raise KeyError(f"no network change at scale {scale}")
        return self._change[scale]

    def update_accuracy(self, scale: float, logits: Tensor, labels: Tensor) -> None:
        """Count the top-1 predictions of (B, K) ``logits`` that equal ``labels``."""
        right = int((logits.argmax(1).cpu() == labels.cpu()).sum())
        tally = self._correct.setdefault(scale, [0, 0])
        tally[0] += right
        tally[1] += len(labels)

    @property
    def scales(self) -> list[float]:
        return sorted({scale for _, scale, _ in self._sums})

    @property
    def labels(self) -> list[int]:
        """The class indices seen, sorted (empty when no labels were given)."""
        return sorted({c for _, _, c in self._sums if c is not None})

    def accuracy(self, scale: float) -> float | None:
        tally = self._correct.get(scale)
        return tally[0] / tally[1] if tally and tally[1] else None

    def label_name(self, label: int | None) -> str:
        if label is None:
            return ALL_CLASSES
        names = self.class_names
        return names[label] if names is not None and 0 <= label < len(names) else str(label)

    def _collect(self, unit: str, scale: float, label: int | None) -> _Sums:
        """Sums over one class, or over every class when ``label`` is None."""
        if label is not None:
            return self._sums.get((unit, scale, label), _Sums())
        total = _Sums()
        for (name, s, _), sums in self._sums.items():
            if name == unit and s == scale:
                total.merge(sums)
        return total

    def widest(self, unit: str) -> int:
        """Index of ``unit``'s branch with the largest receptive field."""
        return widest_and_narrowest(tuple(self.extents[unit]))[0]

    def channel_mean(self, unit: str, scale: float, label: int | None = None) -> Tensor:
        """(M, C): mean attention of each branch and channel over the images (of one class)."""
        sums = self._collect(unit, scale, label)
        if sums.attention is None:
            raise KeyError(f"no images of class {self.label_name(label)} at scale {scale}")
        return sums.attention / sums.count

    def row(self, unit: str, scale: float, label: int | None = None) -> AttentionRow:
        sums = self._collect(unit, scale, label)
        if sums.attention is None:
            raise KeyError(f"no attention of {unit} at scale {scale} ({self.label_name(label)})")
        n = sums.count
        mean = sums.attention / n
        mean_d = sums.difference / n
        var = (sums.difference_sq - n * mean_d * mean_d) / (n - 1) if n > 1 else 0.0
        return AttentionRow(
            unit=unit,
            paper_unit=self.units[unit],
            scale=scale,
            label=self.label_name(label),
            images=n,
            branch_mean=tuple(float(v) for v in mean.mean(1)),
            extents=tuple(self.extents[unit]),
            difference=mean_d,
            difference_std=math.sqrt(max(var, 0.0)),
        )

    def rows(self, *, per_class: bool = False) -> list[AttentionRow]:
        """Every unit at every scale over all images, then (``per_class``) over each class."""
        groups: list[int | None] = [None, *(self.labels if per_class else [])]
        seen = {(unit, scale) for unit, scale, _ in self._sums}
        return [
            self.row(unit, scale, label)
            for label in groups
            for scale in self.scales
            for unit in self.units
            if (unit, scale) in seen
        ]
