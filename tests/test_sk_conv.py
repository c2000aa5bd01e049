"""SKConv follows the paper and its official code: split, fuse, select."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from skbuilder.blocks import SKSpec
from skbuilder.blocks.cost import Shape
from skbuilder.nn.layers.sk_conv import SKConv


def test_split_branches_are_dilated_grouped_3x3_with_stride_and_no_bias() -> None:
    sk = SKConv(64, 64, stride=2, sk=SKSpec(kernels=(3, 5, 7), G=8))
    for m, branch in enumerate(sk.split, start=1):
        conv = branch.conv
        assert conv.kernel_size == (3, 3)
        assert conv.dilation == (m, m)
        assert conv.padding == (m, m)
        assert conv.stride == (2, 2)
        assert conv.groups == 8
        assert conv.bias is None
        assert isinstance(branch.bn, nn.BatchNorm2d)
        assert isinstance(branch.act, nn.ReLU)


def test_undilated_kernels_keep_their_size() -> None:
    sk = SKConv(16, 16, sk=SKSpec(kernels=(3, 5), dilate=False))
    assert [b.conv.kernel_size for b in sk.split] == [(3, 3), (5, 5)]
    assert [b.conv.dilation for b in sk.split] == [(1, 1), (1, 1)]


@pytest.mark.parametrize(
    ("C", "r", "L", "d"), [(128, 16, 32, 32), (1024, 16, 32, 64), (64, 4, 8, 16)]
)
def test_fuse_width_is_max_of_C_over_r_and_L(C: int, r: int, L: int, d: int) -> None:
    sk = SKConv(C, C, sk=SKSpec(G=1, r=r, L=L))
    assert sk.fuse.fc.in_channels == C and sk.fuse.fc.out_channels == d
    assert sk.fuse.fc.bias is None
    assert isinstance(sk.fuse.bn, nn.BatchNorm2d) and sk.fuse.bn.num_features == d
    assert sk.select.fc.in_channels == d and sk.select.fc.out_channels == 2 * C
    assert sk.select.fc.bias is None


def test_forward_equals_the_papers_equations() -> None:
    """V = sum_m a_m * U_m, a = softmax_M(W' relu(bn(W gap(sum_m U_m))))."""
    torch.manual_seed(1)
    sk = SKConv(8, 12, stride=2, sk=SKSpec(kernels=(3, 5, 7), G=4, r=2, L=4)).eval()
    for bn in [b.bn for b in sk.split] + [sk.fuse.bn]:
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
    x = torch.randn(3, 8, 15, 15)
    with torch.no_grad():
        u = torch.stack([b(x) for b in sk.split], dim=1)  # B, M, C, H, W
        s = u.sum(1).mean((2, 3), keepdim=True)
        z = sk.fuse.act(sk.fuse.bn(sk.fuse.fc(s)))
        logits = sk.select.fc(z).view(3, 3, 12, 1, 1)
        a = torch.softmax(logits, dim=1)
        expected = (a * u).sum(1)
        torch.testing.assert_close(sk(x), expected, rtol=1e-5, atol=1e-6)
    assert expected.shape == (3, 12, 8, 8)


def test_split_input_gives_each_branch_its_slice() -> None:
    sk = SKConv(8, 6, sk=SKSpec(kernels=(3, 5), split_input=True, r=2, L=2)).eval()
    assert [b.conv.in_channels for b in sk.split] == [4, 4]
    x = torch.randn(2, 8, 9, 9)
    with torch.no_grad():
        u = sk.branch_outputs(x)
        torch.testing.assert_close(u[0], sk.split[0](x[:, :4]))
        torch.testing.assert_close(u[1], sk.split[1](x[:, 4:]))


def test_single_branch_is_its_branch_without_attention_layers() -> None:
    sk = SKConv(8, 8, sk=SKSpec(kernels=(3,), r=2, L=2))
    x = torch.randn(2, 8, 6, 6)
    assert not hasattr(sk, "fuse") and not hasattr(sk, "select")
    assert all(name.startswith("split.0.") for name, _ in sk.named_parameters())
    torch.testing.assert_close(sk(x), sk.split[0](x))


def test_select_sum_adds_the_branches_without_attention_layers() -> None:
    sk = SKConv(8, 8, stride=2, sk=SKSpec(M=2, G=2, select="sum")).eval()
    assert not hasattr(sk, "fuse") and not hasattr(sk, "select")
    x = torch.randn(2, 8, 9, 9)
    with torch.no_grad():
        u = sk.branch_outputs(x)
        torch.testing.assert_close(sk(x), u[0] + u[1])
    cost = SKConv.complexity(
        Shape(8, 9, 9).cost(), 8, 8, stride=2, sk=SKSpec(M=2, G=2, select="sum")
    )
    assert cost.params == sum(p.numel() for p in sk.parameters())
