"""Tensor shapes along the network, read from the analytic summary (no tensors are made)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from skbuilder.analysis.cost import conv_out_size, same_padding
from skbuilder.analysis.summary import summarize
from skbuilder.render.style import chw
from skbuilder.spec import NetworkSpec


@dataclass(frozen=True)
class Shape:
    """C×H×W of one tensor."""

    c: int
    h: int
    w: int

    def __str__(self) -> str:
        return chw(self.c, self.h, self.w)

    def with_c(self, c: int) -> Shape:
        return replace(self, c=c)

    def pooled(self) -> str:
        """The shape after global average pooling."""
        return chw(self.c, 1, 1)

    def after_conv(self, c: int, kernel: int, stride: int = 1, dilation: int = 1) -> Shape:
        """The output of a 'same'-padded conv with ``c`` filters."""
        pad = same_padding(kernel, dilation)
        return Shape(
            c,
            conv_out_size(self.h, kernel, stride, pad, dilation),
            conv_out_size(self.w, kernel, stride, pad, dilation),
        )


@dataclass(frozen=True)
class NetworkShapes:
    """The image, the stem's output and every stage's output at one input size."""

    size: int
    image: Shape
    stem: Shape
    stages: tuple[Shape, ...]

    def stage_input(self, stage: int) -> Shape:
        return self.stem if stage == 0 else self.stages[stage - 1]

    def block_input(self, stage: int, index: int) -> Shape:
        """Only a stage's first block changes the shape; the rest see the stage's output."""
        return self.stage_input(stage) if index == 0 else self.stages[stage]


def network_shapes(spec: NetworkSpec, image_size: int | None = None) -> NetworkShapes:
    summary = summarize(spec, image_size)
    size = summary.image_size
    stem, *stages, _head = summary.rows
    return NetworkShapes(
        size=size,
        image=Shape(spec.input.channels, size, size),
        stem=Shape(*stem.shape),
        stages=tuple(Shape(*row.shape) for row in stages),
    )
