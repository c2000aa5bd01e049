"""A reference oracle: every layer and block written again, straight from its paper's equations,
as plain functions over a built module's own tensors.

The modules are written for speed (GAP taken before the sum, V accumulated in place, BN folded
for inference); these functions are written to be obviously right instead: explicit loops over
the branches, no in-place updates, no fusion, BatchNorm and softmax spelled out. They read only
the module's tensors (weights, BN running statistics, ``eps`` and ``momentum``); every
hyperparameter (kernel, dilation, padding, stride, groups, widths, d = max(C/r, L)) is derived
here from the settings, so a module that builds the wrong layer disagrees with the oracle even
where its own analytic cost agrees with it.

``Reference`` remembers which tensors it read and, in train mode, what each BatchNorm's running
statistics must become; ``check_reference`` compares a module with its oracle on all three
(output, every parameter used, running statistics).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from skbuilder.blocks import BlockParams, describe
from skbuilder.blocks.settings import (
    AttentionSpec,
    CBAMAttention,
    NoAttention,
    SEAttention,
    SKAttention,
    SKSpec,
    StemPool,
)

BlockArgs = tuple[int, int, int, BlockParams]
#: A built module, read by its submodule names (``split``, ``fuse.fc``, ``conv1``, ...).
Built = Any


class Reference:
    """Runs the equations on a module's tensors, in train (batch statistics) or eval (running
    statistics) mode, and records what it read."""

    def __init__(self, *, training: bool) -> None:
        self.training = training
        self.read: set[int] = set()
        #: id of a BatchNorm -> (running mean, running var) it must hold after a train step
        self.stats: dict[int, tuple[Tensor, Tensor]] = {}

    def take(self, t: Tensor | None, what: str) -> Tensor:
        """A tensor of the module, marked as used."""
        assert t is not None, f"{what} is missing"
        self.read.add(id(t))
        return t

    # -- the layers every block is made of ----------------------------------------------

    def conv(
        self,
        x: Tensor,
        conv: Built,
        *,
        w_in: int,
        w_out: int,
        kernel: int = 1,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = False,
    ) -> Tensor:
        """A k x k convolution padded to keep the size at stride 1: padding dilation(k-1)/2."""
        weight = self.take(getattr(conv, "weight", None), "a conv weight")
        want = (w_out, w_in // groups, kernel, kernel)
        assert tuple(weight.shape) == want, (
            f"conv weight has shape {tuple(weight.shape)}, the equations give {want} "
            f"({w_in} -> {w_out}, {kernel}x{kernel}, groups {groups})"
        )
        b = self.take(getattr(conv, "bias", None), "a conv bias") if bias else None
        pad = dilation * (kernel - 1) // 2
        return F.conv2d(x, weight, b, stride=stride, padding=pad, dilation=dilation, groups=groups)

    def norm(self, x: Tensor, bn: Built) -> Tensor:
        """BatchNorm: (x - mean) / sqrt(var + eps) * gamma + beta per channel; batch statistics
        (biased variance) in train mode, running ones in eval mode. A train step moves the
        running statistics by ``momentum`` towards the batch's (unbiased variance)."""
        assert isinstance(bn, nn.modules.batchnorm._BatchNorm), f"expected a BatchNorm, got {bn}"
        gamma = self.take(bn.weight, "BN weight")
        beta = self.take(bn.bias, "BN bias")
        mean_run = bn.running_mean
        var_run = bn.running_var
        assert mean_run is not None and var_run is not None, "BN without running statistics"
        if self.training:
            n = x.numel() // x.shape[1]
            mean = x.mean((0, 2, 3))
            var = ((x - mean[None, :, None, None]) ** 2).mean((0, 2, 3))
            momentum = float(bn.momentum) if bn.momentum is not None else 0.1
            self.stats[id(bn)] = (
                (1 - momentum) * mean_run + momentum * mean.detach(),
                (1 - momentum) * var_run + momentum * var.detach() * n / max(n - 1, 1),
            )
        else:
            mean, var = mean_run, var_run
        scale = gamma / torch.sqrt(var + bn.eps)
        return (x - mean[None, :, None, None]) * scale[None, :, None, None] + beta[
            None, :, None, None
        ]

    def conv_bn(
        self, x: Tensor, unit: Built, *, act: bool = True, bias: bool = False, **conv: Any
    ) -> Tensor:
        """conv -> BN -> ReLU (or no activation) of a ``ConvBnAct``-shaped module."""
        y = self.norm(self.conv(x, unit.conv, bias=bias, **conv), unit.bn)
        return relu(y) if act else y


def relu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


def sigmoid(x: Tensor) -> Tensor:
    return 1 / (1 + torch.exp(-x))


def softmax(x: Tensor, dim: int) -> Tensor:
    e = torch.exp(x - x.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)


def gap(x: Tensor) -> Tensor:
    """Global average pooling, kept 4-d: (B, C, 1, 1)."""
    return x.mean((2, 3), keepdim=True)


def hidden(channels: int, r: int) -> int:
    """A gate's bottleneck width C/r, at least one channel (SE, CBAM, BAM)."""
    return max(channels // r, 1)


# -- the SK convolution -------------------------------------------------------------------


def sk_branches(sk: SKSpec, depthwise: int | None = None) -> list[tuple[int, int, int]]:
    """(kernel, dilation, groups) of each branch of the split. Branch m of the paper sees a
    (2m+1)x(2m+1) field; with ``dilate`` a k x k field (k >= 3) is a 3x3 with dilation (k-1)/2.
    ``depthwise`` gives every branch that many groups (ShuffleNetV2's SK conv)."""
    if sk.branches is not None:
        listed = [(b.kernel, b.dilation, b.groups or sk.G) for b in sk.branches]
    else:
        kernels = sk.kernels if sk.kernels is not None else [2 * m + 1 for m in range(1, sk.M + 1)]
        listed = [
            (3, (k - 1) // 2, sk.G) if sk.dilate and k >= 3 else (k, 1, sk.G) for k in kernels
        ]
    assert len(listed) == sk.M, f"M={sk.M} but {len(listed)} branches"
    if depthwise is not None:
        listed = [(k, dil, depthwise) for k, dil, _ in listed]
    return listed


def sk_conv(
    ref: Reference,
    module: Built,
    x: Tensor,
    *,
    w_in: int,
    w_out: int,
    stride: int = 1,
    sk: SKSpec,
    depthwise: bool = False,
) -> Tensor:
    """Split: U_m = ReLU(BN(conv_m(X))), every branch strided, each on all of X (or, with
    ``split_input``, on its own 1/M slice). Fuse: s = GAP(sum_m U_m), z = ReLU(BN(W s)), W: C -> d,
    d = max(C/r, L). Select: a = softmax over M of W' z reshaped to (M, C); V = sum_m a_m U_m.
    Without attention (M = 1, or ``select: sum``) V = sum_m U_m."""
    M, C = sk.M, w_out
    branches = sk_branches(sk, w_out if depthwise else None)
    split_input = sk.split_input and not depthwise
    width = w_in // M if split_input else w_in
    split = list(module.split)
    assert len(split) == M, f"{len(split)} branch modules, M={M}"
    u = []
    for m, (kernel, dilation, groups) in enumerate(branches):
        x_m = x[:, m * width : (m + 1) * width] if split_input else x
        conv: dict[str, Any] = {
            "kernel": kernel,
            "dilation": dilation,
            "groups": groups,
            "stride": stride,
        }
        u.append(ref.conv_bn(x_m, split[m], w_in=width, w_out=C, **conv))
    total = u[0]
    for u_m in u[1:]:
        total = total + u_m
    if M == 1 or sk.select != "softmax":
        return total
    d = max(C // sk.r, sk.L)
    s = gap(total)
    z = relu(ref.norm(ref.conv(s, module.fuse.fc, w_in=C, w_out=d), module.fuse.bn))
    logits = ref.conv(z, module.select.fc, w_in=d, w_out=M * C)
    a = softmax(logits.reshape(x.shape[0], M, C), dim=1)
    v = a[:, 0, :, None, None] * u[0]
    for m in range(1, M):
        v = v + a[:, m, :, None, None] * u[m]
    return v


def weighted_sum(a: Tensor, u: list[Tensor]) -> Tensor:
    """V = sum_m a[:, m] * U_m, a of shape (B, M, C, 1, 1)."""
    v = a[:, 0] * u[0]
    for m in range(1, len(u)):
        v = v + a[:, m] * u[m]
    return v


# -- attention gates ----------------------------------------------------------------------


def squeeze_excite(ref: Reference, module: Built, x: Tensor, *, r: int) -> Tensor:
    """SE: x * sigmoid(W2 ReLU(W1 GAP(x) + b1) + b2), W1: C -> C/r, W2: C/r -> C."""
    C = x.shape[1]
    h = hidden(C, r)
    z = relu(ref.conv(gap(x), module.fc1, w_in=C, w_out=h, bias=True))
    return x * sigmoid(ref.conv(z, module.fc2, w_in=h, w_out=C, bias=True))


def cbam(ref: Reference, module: Built, x: Tensor, *, r: int, kernel: int) -> Tensor:
    """CBAM: x' = x * sigmoid(MLP(avgpool x) + MLP(maxpool x)) with one shared MLP
    C -> C/r -> C (biased, ReLU); out = x' * sigmoid(BN(conv_kxk([max_c x'; mean_c x'])))."""
    C = x.shape[1]
    h = hidden(C, r)

    def mlp(v: Tensor) -> Tensor:
        z = relu(ref.conv(v, module.mlp[0], w_in=C, w_out=h, bias=True))
        return ref.conv(z, module.mlp[2], w_in=h, w_out=C, bias=True)

    x = x * sigmoid(mlp(gap(x)) + mlp(x.amax((2, 3), keepdim=True)))
    pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], dim=1)
    return x * sigmoid(
        ref.conv_bn(pooled, module.spatial, act=False, w_in=2, w_out=1, kernel=kernel)
    )


def bam(ref: Reference, module: Built, x: Tensor, *, r: int, dilation: int) -> Tensor:
    """BAM: x * (1 + sigmoid(Mc(x) + Ms(x))), Mc(x) = W2 ReLU(BN(W1 GAP(x))) per channel,
    Ms(x) = 1x1 to one map of two dilated 3x3s after a 1x1 reduction, each with BN and ReLU."""
    C = x.shape[1]
    h = hidden(C, r)
    channel = ref.conv_bn(gap(x), module.channel[0], bias=True, w_in=C, w_out=h)
    channel = ref.conv(channel, module.channel[1], w_in=h, w_out=C, bias=True)
    spatial = ref.conv_bn(x, module.spatial[0], bias=True, w_in=C, w_out=h)
    for i in (1, 2):
        dilated: dict[str, Any] = {"kernel": 3, "dilation": dilation, "bias": True}
        spatial = ref.conv_bn(spatial, module.spatial[i], w_in=h, w_out=h, **dilated)
    spatial = ref.conv(spatial, module.spatial[3], w_in=h, w_out=1, bias=True)
    return x * (1 + sigmoid(channel + spatial))


def gate(ref: Reference, module: Built, x: Tensor, attention: AttentionSpec) -> Tensor:
    """The gate an attention setting puts on a block's output (none for SK and none)."""
    if isinstance(attention, SEAttention):
        return squeeze_excite(ref, module, x, r=attention.r)
    if isinstance(attention, CBAMAttention):
        return cbam(ref, module, x, r=attention.r, kernel=attention.kernel)
    assert isinstance(attention, SKAttention | NoAttention), f"unknown attention {attention}"
    return x


# -- blocks -------------------------------------------------------------------------------


def shortcut(ref: Reference, module: Built, x: Tensor, w_out: int, stride: int) -> Tensor:
    """Identity when the shape is kept; else a strided 1x1 conv and BN, no activation."""
    if stride == 1 and x.shape[1] == w_out:
        return x
    return ref.conv_bn(x, module, act=False, w_in=x.shape[1], w_out=w_out, stride=stride)


def residual_block(ref: Reference, module: Built, x: Tensor, kind: str, args: BlockArgs) -> Tensor:
    """ReLU(F(x) + shortcut(x)). Bottleneck F: 1x1 -> (SK conv or 3x3 with `groups`, stride)
    -> 1x1, BN after each, ReLU after the first two, then the gate. Basic F: (SK conv or 3x3,
    stride) -> 3x3, then the gate."""
    w_in, w_out, stride, params = args
    attention = describe(kind).attention_of(params)
    mid = params.w_mid
    if kind in ("bottleneck", "sk_bottleneck"):
        y = ref.conv_bn(x, module.conv1, w_in=w_in, w_out=mid)
        if isinstance(attention, SKAttention):
            y = sk_conv(ref, module.conv2, y, w_in=mid, w_out=mid, stride=stride, sk=params.sk)
        else:
            spatial: dict[str, Any] = {"kernel": 3, "stride": stride, "groups": params.groups}
            y = ref.conv_bn(y, module.conv2, w_in=mid, w_out=mid, **spatial)
        y = ref.conv_bn(y, module.conv3, act=False, w_in=mid, w_out=w_out)
    elif kind in ("basic", "sk_basic"):
        if isinstance(attention, SKAttention):
            y = sk_conv(ref, module.conv1, x, w_in=w_in, w_out=mid, stride=stride, sk=params.sk)
        else:
            y = ref.conv_bn(x, module.conv1, w_in=w_in, w_out=mid, kernel=3, stride=stride)
        y = ref.conv_bn(y, module.conv2, act=False, w_in=mid, w_out=w_out, kernel=3)
    else:
        raise ValueError(f"no reference for block kind {kind!r}")
    y = gate(ref, getattr(module, "gate", None), y, attention)
    return relu(y + shortcut(ref, module.shortcut, x, w_out, stride))


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Output channel j is input channel (j mod g) * C/g + j div g: one from each group in turn."""
    C = x.shape[1]
    per_group = C // groups
    order = [g * per_group + i for i in range(per_group) for g in range(groups)]
    return x[:, order]


def shufflenet_unit(ref: Reference, module: Built, x: Tensor, args: BlockArgs) -> Tensor:
    """ShuffleNetV2: stride 1 splits x into halves [x1, x2], out = shuffle([x1, main(x2)]);
    stride 2 feeds x to both, out = shuffle([proj(x), main(x)]). main: 1x1 (BN, ReLU) ->
    depthwise 3x3 (stride, BN; a depthwise SK conv with attention sk) -> 1x1 (BN, ReLU); proj:
    depthwise 3x3/2 (BN) -> 1x1 (BN, ReLU). The gate acts on the concatenation."""
    w_in, w_out, stride, params = args
    attention = describe("shufflenet_v2").attention_of(params)
    c = w_out // 2
    if stride == 1:
        kept, x_main = x[:, : w_in // 2], x[:, w_in // 2 :]
    else:
        p = module.proj
        dw: dict[str, Any] = {"kernel": 3, "stride": 2, "groups": w_in}
        kept = ref.conv_bn(x, p.conv1, act=False, w_in=w_in, w_out=w_in, **dw)
        kept = ref.conv_bn(kept, p.conv2, w_in=w_in, w_out=c)
        x_main = x
    main = module.main
    y = ref.conv_bn(x_main, main.conv1, w_in=x_main.shape[1], w_out=c)
    if isinstance(attention, SKAttention):
        y = sk_conv(
            ref, main.conv2, y, w_in=c, w_out=c, stride=stride, sk=params.sk, depthwise=True
        )
    else:
        depthwise: dict[str, Any] = {"kernel": 3, "stride": stride, "groups": c}
        y = ref.conv_bn(y, main.conv2, act=False, w_in=c, w_out=c, **depthwise)
    y = ref.conv_bn(y, main.conv3, w_in=c, w_out=c)
    out = gate(ref, module.gate, torch.cat([kept, y], dim=1), attention)
    return channel_shuffle(out, 2)


def block(ref: Reference, module: Built, x: Tensor, kind: str, args: BlockArgs) -> Tensor:
    """Any built-in block kind."""
    if kind == "shufflenet_v2":
        return shufflenet_unit(ref, module, x, args)
    return residual_block(ref, module, x, kind, args)


# -- stem, head, network ------------------------------------------------------------------


def stem(
    ref: Reference,
    module: Built,
    x: Tensor,
    *,
    width: int,
    kind: str,
    pool: bool | StemPool,
    stride: int,
) -> Tensor:
    """classic: 7x7 conv (stride); deep: three 3x3 convs C/2, C/2, C (the first strided);
    conv3x3: one 3x3 conv (stride); each with BN and ReLU; then a max-pool: with ``pool`` True
    3x3/2, padding 1, rounding down; else the window given."""
    c_in = x.shape[1]
    if kind == "classic":
        convs = [(c_in, width, 7, stride)]
    elif kind == "conv3x3":
        convs = [(c_in, width, 3, stride)]
    else:
        half = width // 2
        convs = [(c_in, half, 3, stride), (half, half, 3, 1), (half, width, 3, 1)]
    for unit, (w_in, w_out, kernel, s) in zip(module.convs, convs, strict=True):
        x = ref.conv_bn(x, unit, w_in=w_in, w_out=w_out, kernel=kernel, stride=s)
    if isinstance(pool, StemPool):
        return F.max_pool2d(x, pool.kernel, pool.stride, pool.padding, ceil_mode=pool.ceil_mode)
    return F.max_pool2d(x, 3, 2, 1) if pool else x


def head(ref: Reference, module: Built, x: Tensor, *, num_classes: int, conv: int | None) -> Tensor:
    """[1x1 conv, BN, ReLU] -> global average pool -> (dropout: identity at eval) -> fc."""
    if conv is not None:
        x = ref.conv_bn(x, module.conv, w_in=x.shape[1], w_out=conv)
    features = x.mean((2, 3))
    if num_classes == 0:
        return features
    weight = ref.take(module.fc.weight, "fc weight")
    assert tuple(weight.shape) == (num_classes, features.shape[1]), "fc has the wrong shape"
    return F.linear(features, weight, ref.take(module.fc.bias, "fc bias"))


def network(ref: Reference, model: Built, x: Tensor) -> Tensor:
    """stem -> every block of every stage (then the stage's BAM) -> head, from ``model.spec``."""
    spec = model.spec
    assert spec is not None, "the model does not carry its spec"
    s = spec.stem
    x = stem(ref, model.stem, x, width=s.width, kind=s.kind, pool=s.pool, stride=s.stride)
    for plan in spec.plan():
        args = (plan.w_in, plan.w_out, plan.stride, plan.params)
        x = block(ref, model.stages[plan.stage][plan.index], x, plan.kind, args)
        if plan.index == spec.stages[plan.stage].depth - 1 and spec.stages[plan.stage].bam:
            b = spec.stages[plan.stage].bam
            x = bam(ref, model.stages[plan.stage].bam, x, r=b.r, dilation=b.dilation)
    assert not (ref.training and spec.head.dropout), "dropout is random in train mode"
    return head(ref, model.head, x, num_classes=spec.head.num_classes, conv=spec.head.conv)


# -- comparing a module with its reference ------------------------------------------------


def _prefixed(said: str) -> Callable[[str], str]:
    return lambda details: f"{said}: {details}"


def randomize(module: Built, seed: int = 0) -> nn.Module:
    """Every parameter and BN statistic of ``module`` drawn at random (in place), so that no
    term hides behind an initial value: biases and BN shifts non-zero, BN scales away from 1,
    running means off zero and running variances spread over orders of magnitude (where eps
    matters). Conv weights are scaled by 1/sqrt(fan-in) to keep activations near unit size."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.running_mean is not None and m.running_var is not None:
                    m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=g))
                    m.running_var.copy_(
                        torch.exp(torch.empty(m.running_var.shape).uniform_(-5, 1, generator=g))
                    )
                if m.weight is not None:
                    m.weight.copy_(torch.empty(m.weight.shape).uniform_(0.5, 1.5, generator=g))
                if m.bias is not None:
                    m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
            else:
                for p in m.parameters(recurse=False):
                    fan_in = math.prod(p.shape[1:]) if p.dim() > 1 else 16
                    p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
    return module


Oracle = Callable[[Reference, Built, Tensor], Tensor]


def check_reference(
    module: Built,
    x: Tensor,
    oracle: Oracle,
    *,
    training: bool,
    no_grad: bool = False,
    rtol: float | None = None,
    atol: float | None = None,
) -> None:
    """``module(x)`` equals ``oracle(ref, module, x)`` in train or eval mode (``no_grad``: under
    ``torch.no_grad``, where the modules take their in-place paths); every parameter of the
    module is one the equations use; in train mode each BatchNorm's running statistics move as
    the equations say. The module is left in the mode it had and its statistics as they were."""
    was = module.training
    before = copy.deepcopy(module.state_dict())
    ref = Reference(training=training)
    try:
        with torch.no_grad():
            expected = oracle(ref, module, x)
        module.train(training)
        with torch.no_grad() if no_grad else torch.enable_grad():
            got = module(x.clone())
        where = f"{'train' if training else 'eval'} mode, {x.dtype}"
        # rounding differences scale with the largest value (cancellation in sums)
        scale = max(1.0, float(expected.abs().max())) if expected.numel() else 1.0
        low = x.dtype in (torch.float32, torch.float16, torch.bfloat16)
        tol = {
            "rtol": rtol if rtol is not None else (1e-3 if low else 1e-7),
            "atol": (atol if atol is not None else (1e-4 if low else 1e-9)) * scale,
        }
        torch.testing.assert_close(
            got.detach(),
            expected,
            **tol,  # type: ignore[arg-type]
            msg=_prefixed(f"module and reference differ ({where})"),
        )
        unused = [n for n, p in module.named_parameters() if id(p) not in ref.read]
        assert not unused, f"parameters the equations do not use: {unused}"
        for name, m in module.named_modules():
            if id(m) in ref.stats:
                mean, var = ref.stats[id(m)]
                torch.testing.assert_close(
                    (m.running_mean, m.running_var),
                    (mean, var),
                    **tol,  # type: ignore[arg-type]
                    msg=_prefixed(f"running statistics of {name} ({where})"),
                )
    finally:
        module.load_state_dict(before)
        module.train(was)


__all__ = [
    "Reference",
    "bam",
    "block",
    "cbam",
    "channel_shuffle",
    "check_reference",
    "gap",
    "head",
    "network",
    "randomize",
    "residual_block",
    "shufflenet_unit",
    "sk_branches",
    "sk_conv",
    "squeeze_excite",
    "stem",
    "weighted_sum",
]
