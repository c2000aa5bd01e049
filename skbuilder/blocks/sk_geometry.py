"""The arithmetic of an SK convolution, stated once and shared by the spec, the layers,
the cost model and the diagrams (torch-free)."""

from __future__ import annotations

from collections.abc import Sequence


def default_kernels(M: int) -> tuple[int, ...]:
    """Branch m (1-based) of the paper sees a (2m+1)x(2m+1) field: 3, 5, 7, ..."""
    return tuple(2 * m + 1 for m in range(1, M + 1))


def branch_shapes(kernels: Sequence[int], dilate: bool) -> tuple[tuple[int, int], ...]:
    """(kernel, dilation) of each branch conv.

    With ``dilate`` a kxk kernel (k >= 3) becomes a 3x3 with dilation (k-1)/2, as in the paper's
    official code: same receptive field, a third of the cost of a 5x5.
    """
    if not dilate:
        return tuple((k, 1) for k in kernels)
    return tuple((3, (k - 1) // 2) if k >= 3 else (k, 1) for k in kernels)


def attention_width(C: int, r: int, L: int) -> int:
    """d = max(C/r, L): width of the compact feature z in the fuse step."""
    return max(C // r, L)
