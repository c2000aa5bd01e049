"""Attention against object size: does an SK unit lean to its larger kernel as objects grow?

The SKNet paper (Li et al., CVPR 2019, Figs. 3 and 4) enlarges the object (centre crop 1/s,
resized back) and reports that the attention on the larger kernel rises in the early and middle
units. This package reruns that analysis on any built model, keeping streaming statistics, and
ships a synthetic experiment that anyone can rerun on a CPU (see docs/scale-selection.md).

- ``analysis``: ``analyze_scales`` over batches or an image folder, at several scales.
- ``stats``: running sums per unit x scale x class (``ScaleAttentionStats``).
- ``transforms``: ``enlarge`` (the object scale) and ``evaluation_crop`` (256 -> 224).
- ``units``: paper names ``SK_3_4`` <-> ``conv3.3.conv2``.
- ``shapes``, ``training``, ``experiment``, ``summary``, ``report``, ``plots``: the experiment.
"""

from skbuilder.analysis.image_files import image_folder
from skbuilder.analysis.scale.analysis import PAPER_SCALES, analyze_scales, image_batches
from skbuilder.analysis.scale.stats import AttentionRow, ScaleAttentionStats
from skbuilder.analysis.scale.transforms import center_crop, enlarge, evaluation_crop
from skbuilder.analysis.scale.units import (
    UnitNameError,
    paper_unit_names,
    resolve_unit,
    to_module_name,
    to_paper_name,
)

__all__ = [
    "PAPER_SCALES",
    "AttentionRow",
    "ScaleAttentionStats",
    "UnitNameError",
    "analyze_scales",
    "center_crop",
    "enlarge",
    "evaluation_crop",
    "image_batches",
    "image_folder",
    "paper_unit_names",
    "resolve_unit",
    "to_module_name",
    "to_paper_name",
]
