"""Which shipped spec reproduces which timm or torchvision model, layer for layer: the pairings
``import_timm_state_dict``/``import_torchvision_state_dict`` map, and that the parity test and
``benchmarks/timm_parity.py`` measure. Torch-free data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Library = Literal["timm", "torchvision"]


@dataclass(frozen=True)
class Pairing:
    """The reference model ``library``.``model`` and the shipped spec that equals it."""

    library: Library
    model: str
    spec: str

    @property
    def label(self) -> str:
        return f"{self.library}:{self.model}"


PAIRINGS: tuple[Pairing, ...] = (
    Pairing("timm", "resnext50_32x4d", "resnext50_32x4d"),
    Pairing("timm", "resnext101_32x4d", "resnext101_32x4d"),
    Pairing("timm", "seresnext50_32x4d", "senet50"),
    Pairing("timm", "seresnext101_32x4d", "senet101"),
    Pairing("timm", "legacy_seresnext50_32x4d", "senet50_caffe"),
    Pairing("timm", "legacy_seresnext101_32x4d", "senet101_caffe"),
    Pairing("timm", "skresnet18", "skresnet18"),
    Pairing("timm", "skresnet34", "skresnet34"),
    Pairing("timm", "skresnext50_32x4d", "sknet50"),
    Pairing("torchvision", "resnext50_32x4d", "resnext50_32x4d"),
    Pairing("torchvision", "shufflenet_v2_x0_5", "shufflenetv2_x0_5"),
    Pairing("torchvision", "shufflenet_v2_x1_0", "shufflenetv2_x1_0"),
)
