"""The invariant checks themselves, on hand-made attention: they accept every softmax,
saturated ones included, and refuse what is not one."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from skbuilder.testing import check_attention_normalized


class FixedAttention(nn.Module):
    """SK-shaped stub whose select returns a given (B, M, C) attention."""

    def __init__(self, a: Tensor) -> None:
        super().__init__()
        self.a = a[..., None, None]
        self.fuse = nn.Identity()
        self.select = nn.Module()
        self.select.forward = lambda z: self.a  # type: ignore[method-assign]

    def branch_outputs(self, x: Tensor) -> list[Tensor]:
        B, M, C = self.a.shape[:3]
        return [torch.zeros(B, C, 2, 2) for _ in range(M)]


@pytest.mark.parametrize(
    "logits",
    # logits of one sample: a row per branch, a column per channel
    [[[0.0, 1.0], [2.0, -1.0]], [[0.0, 200.0], [0.0, -200.0]], [[0.0], [20.0]]],
    ids=["ordinary", "saturated to 0 and 1", "saturated to 1"],
)
def test_any_softmax_passes(logits) -> None:
    a = torch.tensor(logits).softmax(dim=0)[None]  # (1, M, C)
    check_attention_normalized(FixedAttention(a), torch.zeros(1))


@pytest.mark.parametrize(
    ("a", "message"),
    [
        (torch.tensor([[[0.5, 0.7], [0.5, 0.3]]]) * 1.2, "sum to 1"),
        (torch.tensor([[[1.0], [1.0]]]), "sum to 1"),
        (torch.tensor([[[1.5], [-0.5]]]), r"lie in \(0, 1\)"),
        (torch.tensor([[[0.5]]]), "exactly 1"),
    ],
    ids=["scaled", "all ones", "outside", "one branch below 1"],
)
def test_what_is_not_a_softmax_fails(a: Tensor, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_attention_normalized(FixedAttention(a), torch.zeros(1))
