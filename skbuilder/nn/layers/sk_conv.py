"""Selective Kernel convolution (Li et al., CVPR 2019): split, fuse, select."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.ops.sk import SK
from skbuilder.blocks.settings import SKSpec
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
    needs_grad = _needs_grad(a, u)
    v = u[0] * a[:, 0] if needs_grad else u[0].mul_(a[:, 0])
    for m in range(1, len(u)):
        v = torch.addcmul(v, a[:, m], u[m]) if needs_grad else v.addcmul_(a[:, m], u[m])
    return v


def _needs_grad(a: Tensor, u: list[Tensor]) -> bool:
    """Whether autograd will need the branch outputs and the attention as they are."""
    return torch.is_grad_enabled() and (a.requires_grad or any(t.requires_grad for t in u))


def select_pair(a: Tensor, u: list[Tensor]) -> Tensor:
    """V for M = 2 in eager inference: softmax weights sum to one, so a_1 U_1 + a_2 U_2 =
    U_2 + a_1 (U_1 - U_2), one ``lerp_`` into U_2's storage: each map is read once and V written
    once, where ``mul_`` + ``addcmul_`` make two passes (measured 1.3-1.7x faster on CPU).

    Only for attention from a softmax over two branches, and only where autograd does not need
    U (``torch.no_grad``/``inference_mode``)."""
    return u[1].lerp_(u[0], a[:, 0])


class SKConv(nn.Module):
    """M grouped conv branches over one input, mixed per channel by input-dependent attention
    (the ``SK`` op describes it: settings, cost, drawing).

    Split: branch m is conv(k_m, dilation_m, groups=G, stride) -> BN -> act.
    Fuse:  z = act(BN(W * GAP(sum_m U_m))), W: C -> d, d = max(C/r, L).
    Select: a = softmax_M(reshape(W' z)), V = sum_m a_m * U_m.

    ``sk.split_input`` feeds each branch its own 1/M slice of the input channels (timm's
    SK-ResNet variant); the paper feeds every branch the whole input. Without attention (one
    branch) the branches are summed and there are no fuse or select layers.
    """

    def __init__(
        self,
        w_in: int,
        w_out: int,
        *,
        stride: int = 1,
        sk: SKSpec = SKSpec(),
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        act_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.M = sk.M
        self.split_input = sk.split_input
        self.split = nn.ModuleList(
            ConvBnAct.of(branch, Layers(norm_layer, act_layer))
            for branch in SK(w_in, w_out, stride, sk).branches()
        )
        self.attends = sk.attends
        if self.attends:
            d = sk.d(w_out)
            self.fuse = Fuse(w_out, d, norm_layer=norm_layer, act_layer=act_layer)
            self.select = Select(d, w_out, self.M)

    def branch_outputs(self, x: Tensor) -> list[Tensor]:
        """U_1..U_M: every branch's output, before selection."""
        inputs = x.chunk(self.M, dim=1) if self.split_input else (x,) * self.M
        return [branch(xi) for branch, xi in zip(self.split, inputs)]

    def forward(self, x: Tensor) -> Tensor:
        u = self.branch_outputs(x)
        if not self.attends:  # nothing to select: the branches are summed
            v = u[0]
            for branch in u[1:]:
                v = v + branch
            return v
        a = self.select(self.fuse(u))
        if self.M == 2 and not torch.compiler.is_compiling() and not _needs_grad(a, u):
            # Compilers and exporters get the plain sum: inductor fuses it into one loop, and
            # an exported lerp is eight ONNX ops where the sum is two muls and an add.
            return select_pair(a, u)
        return weighted_sum(a, u)

    @staticmethod
    def complexity(
        cx: Cost, w_in: int, w_out: int, *, stride: int = 1, sk: SKSpec = SKSpec()
    ) -> Cost:
        """The cost of ``SKConv(w_in, w_out, stride=stride, sk=sk)`` (that of the ``SK`` op)."""
        return SK(w_in, w_out, stride, sk).complexity(cx)
