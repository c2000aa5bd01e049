"""Analytic cost model: parameters, multiply-accumulates and activations, layer by layer.

Every op and block kind has a ``complexity`` function built from these primitives (the pycls
convention), so the cost of a network is known from its spec before any tensor exists.
MACs count convolutions and linear layers only, as ``torch.utils.flop_counter`` does
(it reports FLOPs = 2 x MACs); normalisation, activations, pooling and the SK softmax are free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Cost:
    """Shape of the current tensor (``c`` channels, 0 when not known, by ``h`` x ``w``) and the
    totals accumulated to reach it."""

    h: int
    w: int
    params: int = 0
    macs: int = 0
    acts: int = 0
    c: int = 0

    def at(self, h: int, w: int) -> Cost:
        """The same totals at another spatial size (for branches that start from one input)."""
        return replace(self, h=h, w=w)

    def plus(self, other: Cost) -> Cost:
        """Totals of ``other`` added; the spatial size becomes ``other``'s."""
        return Cost(
            h=other.h,
            w=other.w,
            params=self.params + other.params,
            macs=self.macs + other.macs,
            acts=self.acts + other.acts,
            c=other.c,
        )

    def delta(self, base: Cost) -> Cost:
        """What was added since ``base``."""
        return Cost(
            h=self.h,
            w=self.w,
            params=self.params - base.params,
            macs=self.macs - base.macs,
            acts=self.acts - base.acts,
            c=self.c,
        )

    def times(self, n: int) -> Cost:
        """The totals of ``n`` copies of this delta (blocks repeated in a stage)."""
        return replace(self, params=self.params * n, macs=self.macs * n, acts=self.acts * n)


def conv_out_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling window along one axis (PyTorch's formula)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(kernel: int, dilation: int = 1) -> int:
    """Padding that keeps the size at stride 1 for an odd kernel."""
    return dilation * (kernel - 1) // 2


def conv(
    cx: Cost,
    w_in: int,
    w_out: int,
    kernel: int,
    *,
    stride: int = 1,
    dilation: int = 1,
    groups: int = 1,
    bias: bool = False,
) -> Cost:
    """A 'same'-padded 2-D convolution."""
    pad = same_padding(kernel, dilation)
    h = conv_out_size(cx.h, kernel, stride, pad, dilation)
    w = conv_out_size(cx.w, kernel, stride, pad, dilation)
    weights = kernel * kernel * (w_in // groups) * w_out
    return Cost(
        h=h,
        w=w,
        params=cx.params + weights + (w_out if bias else 0),
        macs=cx.macs + weights * h * w,
        acts=cx.acts + w_out * h * w,
        c=w_out,
    )


def norm(cx: Cost, channels: int) -> Cost:
    """BatchNorm: an affine weight and bias per channel (running statistics are buffers)."""
    return replace(cx, params=cx.params + 2 * channels)


def pool(cx: Cost, out_size: Callable[[int], int]) -> Cost:
    """A max- or average-pooling window whose output length along an axis is ``out_size``; no
    parameters, no MACs."""
    return replace(cx, h=out_size(cx.h), w=out_size(cx.w))


def global_pool(cx: Cost) -> Cost:
    """Global average pooling to 1x1."""
    return replace(cx, h=1, w=1)


def linear(cx: Cost, w_in: int, w_out: int, *, bias: bool = True) -> Cost:
    """A fully connected layer on a pooled vector."""
    return Cost(
        h=1,
        w=1,
        params=cx.params + w_in * w_out + (w_out if bias else 0),
        macs=cx.macs + w_in * w_out,
        acts=cx.acts + w_out,
        c=w_out,
    )
