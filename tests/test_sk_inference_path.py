"""SKConv's eager inference path for two branches (lerp) gives the training path's output."""

from __future__ import annotations

import pytest
import torch

from skbuilder.blocks.settings import SKSpec
from skbuilder.nn.layers.sk_conv import SKConv, select_pair, weighted_sum


@pytest.mark.parametrize("channels_last", [False, True])
def test_pair_selection_matches_the_weighted_sum(channels_last: bool) -> None:
    a = torch.softmax(torch.randn(3, 2, 8, 1, 1), dim=1)
    u = [torch.randn(3, 8, 5, 5) for _ in range(2)]
    if channels_last:
        u = [t.contiguous(memory_format=torch.channels_last) for t in u]
    expected = weighted_sum(a, [t.clone() for t in u])
    got = select_pair(a, u)
    torch.testing.assert_close(got, expected)
    assert got.is_contiguous(memory_format=torch.channels_last) == channels_last


@pytest.mark.parametrize("M", [2, 3])
def test_inference_equals_the_differentiable_forward(M: int) -> None:
    conv = SKConv(16, 16, sk=SKSpec(M=M, G=4, r=4, L=8)).eval()
    x = torch.randn(2, 16, 9, 9).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        fast = conv(x)
    slow = conv(x)  # grad enabled: the out-of-place weighted sum
    assert slow.requires_grad
    torch.testing.assert_close(fast, slow.detach(), atol=1e-6, rtol=1e-6)
    assert fast.is_contiguous(memory_format=torch.channels_last)


def test_compiling_takes_the_plain_sum() -> None:
    torch._dynamo.reset()
    conv = SKConv(8, 8, sk=SKSpec(M=2, G=2, r=2, L=4)).eval()
    x = torch.randn(1, 8, 6, 6)
    graphs: list[torch.fx.GraphModule] = []

    def backend(gm: torch.fx.GraphModule, _inputs: object) -> object:
        graphs.append(gm)
        return gm

    with torch.no_grad():
        torch.testing.assert_close(torch.compile(conv, backend=backend, fullgraph=True)(x), conv(x))
    code = "".join(g.code for g in graphs)
    assert "lerp" not in code and "addcmul" in code
