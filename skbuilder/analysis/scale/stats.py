"""Streaming statistics of SK attention per unit, object scale and class.

Only running sums are kept, never the attention tensors: per (unit, scale, class) the image
count, the sum of the (M, C) attention, and the sum and sum of squares of each image's mean
attention difference (largest kernel minus smallest, averaged over channels). Memory depends on
the number of units, scales, classes and channels, not on the number of images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

ALL_CLASSES = "all"


@dataclass
class _Sums:
    count: int = 0
    attention: Tensor | None = None  # (M, C) float64: sum over images
    difference: float = 0.0  # sum over images of mean_c(aM - a1)
    difference_sq: float = 0.0

    def add(self, a: Tensor) -> None:
        """Add a (B, M, C) float64 batch."""
        per_image = (a[:, -1] - a[:, 0]).mean(1)
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


@dataclass(frozen=True)
class AttentionRow:
    """One line of the tidy table: a unit at one object scale over one class (or all)."""

    unit: str  # SK conv name, e.g. conv3.3.conv2
    paper_unit: str | None  # e.g. SK_3_4; None outside the stages
    scale: float
    label: str  # class name, or "all"
    images: int
    branch_mean: tuple[float, ...]  # mean attention on each branch (over images and channels)
    difference: float  # mean of aM - a1 over images and channels
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
        out["difference"] = round(self.difference, 6)
        out["difference_std"] = round(self.difference_std, 6)
        return out


@dataclass
class ScaleAttentionStats:
    """Running sums of attention per SK unit x object scale x class, and of correct predictions
    per scale. ``units`` maps each SK conv name to its paper name (or None), in forward order."""

    units: dict[str, str | None]
    class_names: Sequence[str] | None = None
    _sums: dict[tuple[str, float, int | None], _Sums] = field(default_factory=dict)
    _correct: dict[float, list[int]] = field(default_factory=dict)  # scale -> [right, seen]

    def update(self, attention: Mapping[str, Tensor], scale: float, labels: Tensor | None) -> None:
        """Add one forward's attention, name -> (B, M, C), at ``scale``; ``labels`` (B,) or None."""
        for name, a in attention.items():
            if name not in self.units:
                raise KeyError(f"attention of an unknown SK unit {name!r}")
            a = a.detach().to("cpu", torch.float64)
            if labels is None:
                self._sums.setdefault((name, scale, None), _Sums()).add(a)
                continue
            if labels.shape != (a.shape[0],):
                raise ValueError(f"{a.shape[0]} images but labels of shape {tuple(labels.shape)}")
            for label in labels.unique().tolist():
                self._sums.setdefault((name, scale, int(label)), _Sums()).add(a[labels == label])

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
