"""Small specs the weight, export and distributed tests build in well under a second."""

from __future__ import annotations

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
