"""The network as a backbone: per-stage feature maps, with their channels and strides from the spec.

Feature index 0 is the stem's output, index i (1..n) stage i's; ``reduction`` is the product of
the strides up to that point. The shape of each map at a given input size comes from the walk of
the spec (``skbuilder.spec.walk.feature_shapes``), the same one summaries and diagrams show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import Tensor, nn

from skbuilder.blocks.cost import Shape
from skbuilder.nn.builder import build_model
from skbuilder.nn.model import SKNet
from skbuilder.spec import NetworkSpec, load_spec
from skbuilder.spec.walk import feature_shapes


@dataclass(frozen=True)
class FeatureInfo:
    """One feature map a backbone can return."""

    index: int  # 0: stem, i: stage i
    name: str  # "stem" or the spec's stage name
    module: str  # the module path in the built model: "stem", "stages.0", ...
    channels: int
    reduction: int  # input side / feature side (the total stride)

    def as_dict(self) -> dict[str, int | str]:
        return {
            "index": self.index,
            "name": self.name,
            "module": self.module,
            "num_chs": self.channels,
            "reduction": self.reduction,
        }


def feature_info(spec: NetworkSpec) -> list[FeatureInfo]:
    """Every feature map of the network ``spec`` describes: the stem's, then each stage's, with
    the channels the walk gives them."""
    shapes = feature_shapes(spec)
    window = spec.stem.window
    reduction = spec.stem.stride * (window.stride if window is not None else 1)
    info = [FeatureInfo(0, "stem", "stem", shapes[0].c, reduction)]
    for i, (name, stage) in enumerate(zip(spec.stage_names(), spec.stages)):
        reduction *= stage.stride
        info.append(FeatureInfo(i + 1, name, f"stages.{i}", shapes[i + 1].c, reduction))
    return info


def _resolve_indices(out_indices: Sequence[int] | None, count: int) -> tuple[int, ...]:
    if out_indices is None:
        return tuple(range(count))
    resolved = []
    for index in out_indices:
        if not -count <= index < count:
            raise ValueError(
                f"out_indices: {index} is out of range; this network has feature maps "
                f"0 (stem) to {count - 1}"
            )
        resolved.append(index % count)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"out_indices: {list(out_indices)} names a feature map twice")
    if not resolved:
        raise ValueError("out_indices: give at least one index")
    return tuple(sorted(resolved))


def pooled_norms(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The BatchNorms that normalise a pooled vector (one value per channel and image): the SK
    fuse's and BAM's channel branch's. In training they cannot normalise a batch of one."""
    from skbuilder.nn.layers.bam import BAM
    from skbuilder.nn.layers.sk_conv import Fuse

    found: list[tuple[str, nn.Module]] = []
    for name, module in model.named_modules():
        part = module.bn if isinstance(module, Fuse) else getattr(module, "channel", None)
        if not isinstance(module, Fuse | BAM) or part is None:
            continue
        prefix = f"{name}.bn" if isinstance(module, Fuse) else f"{name}.channel"
        for sub_name, sub in part.named_modules():
            if isinstance(sub, nn.modules.batchnorm._BatchNorm):
                found.append((f"{prefix}.{sub_name}".rstrip("."), sub))
    return found


class FeatureExtractor(nn.Module):
    """Runs the stem and the stages of a built ``SKNet`` and returns the requested feature maps
    (lowest reduction first). The modules are shared with ``model``, not copied; the head is
    dropped, and stages past the last requested one are neither kept nor run."""

    def __init__(self, model: SKNet, out_indices: Sequence[int] | None = None) -> None:
        super().__init__()
        spec = getattr(model, "spec", None)
        if not isinstance(spec, NetworkSpec):
            raise TypeError("FeatureExtractor needs a model made by build_model (with .spec)")
        everything = feature_info(spec)
        self.out_indices = _resolve_indices(out_indices, len(everything))
        self.feature_info = [everything[i] for i in self.out_indices]
        self.stem = model.stem
        self.stages = nn.Sequential(*list(model.stages)[: max(self.out_indices)])
        self.spec = spec
        self._pooled_norms = tuple(pooled_norms(self))

    def _refuse_batch_of_one(self) -> None:
        """A clear error in place of BatchNorm's, before anything runs (see docs/features.md)."""
        training = [name for name, norm in self._pooled_norms if norm.training]
        if training:
            raise ValueError(
                f"a batch of 1 cannot be run in training mode: {len(training)} BatchNorm "
                f"layers (e.g. {training[0]}) normalise pooled vectors, one value per channel "
                "and image (the SK fuse, BAM's channel branch); use batches of 2 or more, "
                "call .eval(), or keep those layers in eval mode (frozen statistics)"
            )

    def channels(self) -> list[int]:
        return [f.channels for f in self.feature_info]

    def reductions(self) -> list[int]:
        return [f.reduction for f in self.feature_info]

    def shapes(self, image_size: int | tuple[int, int]) -> list[Shape]:
        """C×H×W of each returned map for an input of ``image_size`` (a side or (H, W))."""
        every = feature_shapes(self.spec, image_size)
        return [every[i] for i in self.out_indices]

    def forward(self, x: Tensor) -> list[Tensor]:
        if self.training and x.shape[0] < 2:
            self._refuse_batch_of_one()
        wanted = set(self.out_indices)
        x = self.stem(x)
        out = [x] if 0 in wanted else []
        for i, stage in enumerate(self.stages, start=1):
            x = stage(x)
            if i in wanted:
                out.append(x)
        return out


def build_features(
    spec: NetworkSpec | str | Path,
    out_indices: Sequence[int] | None = None,
    **build_kwargs: Any,
) -> FeatureExtractor:
    """``build_model(spec, **build_kwargs)`` as a backbone returning feature maps."""
    if not isinstance(spec, NetworkSpec):
        spec = load_spec(spec)
    return FeatureExtractor(build_model(spec, **build_kwargs), out_indices)
