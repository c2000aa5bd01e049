"""Run a model over images at several object scales and keep streaming attention statistics.

Input is any iterable of batches: tensors (N, C, H, W) already at the model's input size, or
(images, labels) pairs; ``image_batches`` reads image files (listed by
``image_files.image_folder``) lazily, with the paper's evaluation crop (shorter side 256,
centre 224) or another crop fraction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

from skbuilder.analysis.attention import AttentionCapture, sk_sites
from skbuilder.analysis.images import normalize, read_image
from skbuilder.analysis.scale.stats import ScaleAttentionStats
from skbuilder.analysis.scale.transforms import PAPER_CROP_FRACTION, enlarge, evaluation_crop
from skbuilder.analysis.scale.units import paper_unit_names

PAPER_SCALES = (1.0, 1.5, 2.0)

Batch = Tensor | tuple[Tensor, Tensor]


def analyze_scales(
    model: nn.Module,
    batches: Iterable[Batch],
    scales: Sequence[float] = PAPER_SCALES,
    *,
    class_names: Sequence[str] | None = None,
    network_units: Sequence[str] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ScaleAttentionStats:
    """Every batch, enlarged to each of ``scales`` (see ``enlarge``; smallest first), through
    ``model`` in eval mode without autograd; returns the running statistics (and top-1 accuracy
    per scale where labels are given). Differences are taken between the branches of the
    largest and smallest receptive field; ``network_units`` (SK conv names, default all) are
    averaged in each image's network change. ``on_batch(n)`` is called with each batch's size,
    e.g. for progress. The model's train/eval mode is restored afterwards."""
    sites = sk_sites(model)
    if not sites:
        raise ValueError("the model has no SK convolutions: there is no attention to analyse")
    if not scales or any(s < 1 for s in scales) or len(set(scales)) != len(scales):
        raise ValueError(f"object scales must be distinct and at least 1.0, got {list(scales)}")
    scales = sorted(scales)
    names = paper_unit_names(model)
    stats = ScaleAttentionStats(
        {s.name: names.get(s.name) for s in sites},
        {s.name: s.kernels for s in sites},
        class_names,
        network_units,
    )
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with AttentionCapture(model) as capture, torch.no_grad():
            for batch in batches:
                images, labels = batch if isinstance(batch, tuple | list) else (batch, None)
                images = images.to(device)
                for scale in scales:
                    logits = model(enlarge(images, scale))
                    stats.update(capture.attention, scale, labels)
                    capture.clear()
                    if labels is not None and logits.dim() == 2:
                        stats.update_accuracy(scale, logits, labels)
                if on_batch is not None:
                    on_batch(len(images))
    finally:
        model.train(was_training)
    return stats


def image_batches(
    items: Sequence[tuple[Path, int | None]],
    size: int,
    *,
    batch_size: int = 32,
    crop_fraction: float = PAPER_CROP_FRACTION,
) -> Iterator[Batch]:
    """Read, crop (``evaluation_crop``) and ImageNet-normalise the files, ``batch_size`` at a
    time: only one batch is in memory. Batches carry labels when every item has a class."""
    labelled = all(label is not None for _, label in items)
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        shorter = max(size, round(size / crop_fraction))  # what evaluation_crop resizes to
        images = torch.stack(
            [
                normalize(evaluation_crop(read_image(p, shorter=shorter), size, crop_fraction))
                for p, _ in chunk
            ]
        )
        if labelled:
            yield images, torch.tensor([label for _, label in chunk])
        else:
            yield images
