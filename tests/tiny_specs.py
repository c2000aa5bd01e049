"""Small specs the weight, export and distributed tests build in well under a second."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from skbuilder import NetworkSpec, spec_from_dict

#: Both SK blocks (bottleneck with G, basic with split_input), a projection shortcut and a head.
TINY: dict = {
    "name": "tiny_sk",
    "input": {"channels": 3, "image_size": 32},
    "stem": {"kind": "classic", "width": 16, "pool": True},
    "sk": {"M": 2, "G": 4, "r": 4, "L": 8},
    "stages": [
        {"depth": 1, "mid_width": 16, "out_width": 32, "stride": 1, "block": "sk_bottleneck"},
        {
            "depth": 2,
            "out_width": 32,
            "stride": 2,
            "block": "sk_basic",
            "sk": {"G": 1, "split_input": True},
        },
    ],
    "head": {"num_classes": 10},
}


def tiny_spec() -> NetworkSpec:
    return spec_from_dict(TINY)


def bottleneck_spec_file(
    folder: Path, name: str, block: str, stages: Sequence[tuple[int, int, int, int]]
) -> Path:
    """A spec file (JSON is YAML) of ``block`` stages given as (depth, mid_width, out_width,
    stride): with ``sk_bottleneck`` and ``bottleneck`` an SK network and its plain twin, for the
    benchmarks' tests."""
    # the same cardinality in both: the SK conv's branches, or the plain grouped 3x3
    grouping = (
        {"sk": {"M": 2, "G": 4, "r": 4, "L": 8, "dilate": True}}
        if block.startswith("sk")
        else {"groups": 4}
    )
    spec = {
        "name": name,
        "input": {"channels": 3, "image_size": 32},
        "stem": {"kind": "classic", "width": 16, "pool": True},
        **grouping,
        "stages": [
            {"name": chr(ord("a") + i), "depth": depth, "mid_width": mid, "out_width": out}
            | {"stride": stride, "block": block}
            for i, (depth, mid, out, stride) in enumerate(stages)
        ],
        "head": {"num_classes": 10},
    }
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path
