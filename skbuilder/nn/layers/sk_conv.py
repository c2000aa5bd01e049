"""Selective Kernel convolution (Li et al., CVPR 2019): split, fuse, select."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from skbuilder.analysis import cost as cc
from skbuilder.analysis.cost import Cost
from skbuilder.blocks.sk_geometry import attention_width, branch_shapes
from skbuilder.nn.layers.conv_bn_act import ConvBnAct


class Fuse(nn.Module):
    """z = act(BN(W s)) with s = GAP(sum of branches), W a bias-free 1x1 conv C -> d.

    GAP is linear, so s is the sum of the branches' means: U itself is never materialised.
    """

    def __init__(
        self,
        channels: int,
        d: int,
        *,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.fc = nn.Conv2d(channels, d, 1, bias=False)
        self.bn = norm_layer(d)
        self.act = act_layer(inplace=True)

    def forward(self, branches: list[Tensor]) -> Tensor:
        s = branches[0].mean((2, 3), keepdim=True)
        for u in branches[1:]:
            s = s + u.mean((2, 3), keepdim=True)
        return self.act(self.bn(self.fc(s)))


class Select(nn.Module):
    """Attention a = softmax over the M branches of a bias-free 1x1 conv d -> M*C.

    Returns a tensor of shape (batch, M, C, 1, 1); ``a.sum(1) == 1`` everywhere.
    """

    def __init__(self, d: int, channels: int, M: int) -> None:
        super().__init__()
        self.M = M
        self.fc = nn.Conv2d(d, M * channels, 1, bias=False)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, z: Tensor) -> Tensor:
        logits = self.fc(z)
        return self.softmax(logits.view(logits.shape[0], self.M, -1, 1, 1))


def weighted_sum(a: Tensor, u: list[Tensor]) -> Tensor:
    """V = sum_m a[:, m] * U_m without stacking the branches into an (M, C, H, W) copy.

    When autograd will not need the branch outputs (inference, ``torch.no_grad``), V is
    accumulated into U_1's storage: no new feature map is allocated and each U_m is read once.
    Otherwise U_1 stays intact for backward and V is one fresh tensor. Either way the result
    keeps the layout of U (so channels_last stays channels_last).
    """
    needs_grad = torch.is_grad_enabled() and (a.requires_grad or any(t.requires_grad for t in u))
    v = u[0] * a[:, 0] if needs_grad else u[0].mul_(a[:, 0])
    for m in range(1, len(u)):
        v = torch.addcmul(v, a[:, m], u[m]) if needs_grad else v.addcmul_(a[:, m], u[m])
    return v


class SKConv(nn.Module):
    """M grouped conv branches over one input, mixed per channel by input-dependent attention.

    Split: branch m is conv(k_m, dilation_m, groups=G, stride) -> BN -> act.
    Fuse:  z = act(BN(W * GAP(sum_m U_m))), W: C -> d, d = max(C/r, L).
    Select: a = softmax_M(reshape(W' z)), V = sum_m a_m * U_m.

    ``split_input`` feeds each branch its own 1/M slice of the input channels (timm's
    SK-ResNet variant); the paper feeds every branch the whole input.
    """

    def __init__(
        self,
        w_in: int,
        w_out: int,
        *,
        stride: int = 1,
        kernels: Sequence[int] = (3, 5),
        dilate: bool = True,
        groups: int = 1,
        r: int = 16,
        L: int = 32,
        split_input: bool = False,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.M = len(kernels)
        self.split_input = split_input
        w_branch = w_in // self.M if split_input else w_in
        self.split = nn.ModuleList(
            ConvBnAct(
                w_branch,
                w_out,
                kernel_size=k,
                stride=stride,
                dilation=dil,
                groups=groups,
                norm_layer=norm_layer,
                act_layer=act_layer,
            )
            for k, dil in branch_shapes(kernels, dilate)
        )
        d = attention_width(w_out, r, L)
        self.fuse = Fuse(w_out, d, norm_layer=norm_layer, act_layer=act_layer)
        self.select = Select(d, w_out, self.M)

    def branch_outputs(self, x: Tensor) -> list[Tensor]:
        """U_1..U_M: every branch's output, before selection."""
        inputs = x.chunk(self.M, dim=1) if self.split_input else (x,) * self.M
        return [branch(xi) for branch, xi in zip(self.split, inputs)]

    def forward(self, x: Tensor) -> Tensor:
        u = self.branch_outputs(x)
        a = self.select(self.fuse(u))
        return weighted_sum(a, u)

    @staticmethod
    def complexity(
        cx: Cost,
        w_in: int,
        w_out: int,
        *,
        stride: int = 1,
        kernels: Sequence[int] = (3, 5),
        dilate: bool = True,
        groups: int = 1,
        r: int = 16,
        L: int = 32,
        split_input: bool = False,
    ) -> Cost:
        M = len(kernels)
        w_branch = w_in // M if split_input else w_in
        start, out = cx, cx
        for k, dil in branch_shapes(kernels, dilate):
            branch = ConvBnAct.complexity(
                start,
                w_branch,
                w_out,
                kernel_size=k,
                stride=stride,
                dilation=dil,
                groups=groups,
            )
            out = out.plus(branch.delta(start))
        d = attention_width(w_out, r, L)
        pooled = cc.global_pool(out)
        att = cc.norm(cc.conv(pooled, w_out, d, 1), d)
        att = cc.conv(att, d, M * w_out, 1)
        return out.plus(att.delta(pooled)).at(out.h, out.w)
