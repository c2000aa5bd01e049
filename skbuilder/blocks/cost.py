"""Analytic cost model: parameters, multiply-accumulates and activations, layer by layer.

Every op and block kind has a ``complexity`` function built from these primitives (the pycls
convention), so the cost of a network is known from its spec before any tensor exists.
MACs count convolutions and linear layers only, as ``torch.utils.flop_counter`` does
(it reports FLOPs = 2 x MACs); normalisation, activations, pooling and the SK softmax are free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


def chw(c: int, h: int | None = None, w: int | None = None) -> str:
    """A tensor shape as the paper writes it: C×H×W (or C alone for a vector)."""
    return "×".join(str(x) for x in (c, h, w) if x is not None)


@dataclass(frozen=True)
class Shape:
    """C×H×W of one tensor (the batch left out)."""

    c: int
    h: int
    w: int

    def __str__(self) -> str:
        return chw(self.c, self.h, self.w)

    def with_c(self, c: int) -> Shape:
        return replace(self, c=c)

    def pooled(self) -> Shape:
        """The shape after global average pooling."""
        return Shape(self.c, 1, 1)

    def cost(self) -> Cost:
        """A zero cost at this shape, to start a ``complexity`` walk from."""
        return Cost(self)


@dataclass(frozen=True)
class Cost:
    """The tensor a walk has reached (``shape``, always known) and the totals spent to reach it.

    ``then`` follows a step in sequence (the shape becomes the step's); ``beside`` adds a side
    computation that leaves the main tensor as it is (a shortcut, an attention gate, the SK
    conv's fuse and select), so no op has to restore a shape by hand."""

    shape: Shape
    params: int = 0
    macs: int = 0
    acts: int = 0

    @property
    def c(self) -> int:
        return self.shape.c

    @property
    def h(self) -> int:
        return self.shape.h

    @property
    def w(self) -> int:
        return self.shape.w

    def then(self, step: Cost) -> Cost:
        """The totals of ``step`` added; the shape becomes ``step``'s."""
        return Cost(
            step.shape,
            params=self.params + step.params,
            macs=self.macs + step.macs,
            acts=self.acts + step.acts,
        )

    def beside(self, side: Cost) -> Cost:
        """The totals of ``side`` added; the shape stays this one's."""
        return self.then(side).reshaped(self.shape)

    def reshaped(self, shape: Shape) -> Cost:
        """The same totals at another shape (a concatenation, a channel split)."""
        return replace(self, shape=shape)

    def delta(self, base: Cost) -> Cost:
        """What was added since ``base``, ending at this shape."""
        return Cost(
            self.shape,
            params=self.params - base.params,
            macs=self.macs - base.macs,
            acts=self.acts - base.acts,
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
        Shape(w_out, h, w),
        params=cx.params + weights + (w_out if bias else 0),
        macs=cx.macs + weights * h * w,
        acts=cx.acts + w_out * h * w,
    )


def norm(cx: Cost, channels: int) -> Cost:
    """BatchNorm: an affine weight and bias per channel (running statistics are buffers)."""
    return replace(cx, params=cx.params + 2 * channels)


def pool(cx: Cost, out_size: Callable[[int], int]) -> Cost:
    """A max- or average-pooling window whose output length along an axis is ``out_size``; no
    parameters, no MACs."""
    return cx.reshaped(Shape(cx.c, out_size(cx.h), out_size(cx.w)))


def global_pool(cx: Cost) -> Cost:
    """Global average pooling to 1x1."""
    return cx.reshaped(cx.shape.pooled())


def linear(cx: Cost, w_in: int, w_out: int, *, bias: bool = True) -> Cost:
    """A fully connected layer on a pooled vector."""
    return Cost(
        Shape(w_out, 1, 1),
        params=cx.params + w_in * w_out + (w_out if bias else 0),
        macs=cx.macs + w_in * w_out,
        acts=cx.acts + w_out,
    )
