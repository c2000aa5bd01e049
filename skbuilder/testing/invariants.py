"""Invariants any SK conv, block or network must keep, as plain functions that raise
``AssertionError`` with a message saying what broke.

The SK checks accept any module shaped like ``SKConv``: ``branch_outputs(x)`` returns the M
branch outputs, ``fuse(branches)`` the compact feature z and ``select(z)`` attention of shape
(B, M, C, 1, 1); permuting branches also needs ``split`` (the branch modules) and
``select.fc`` (a 1x1 conv d -> M*C, branch-major). The block and network checks work on any
``nn.Module``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from skbuilder.blocks import BlockKind, BlockParams, describe
from skbuilder.blocks.cost import Cost, Shape
from skbuilder.nn.builder import build_model
from skbuilder.nn.ops import build_block
from skbuilder.spec import NetworkSpec, SpecError, parse_spec
from skbuilder.spec.dump import dump_spec
from skbuilder.spec.walk import walk

BlockArgs = tuple[int, int, int, BlockParams]
#: A module shaped like ``SKConv`` (see above); checked by what it does, not by its class.
SKLike = Any


@contextmanager
def seeded(seed: int = 0) -> Iterator[None]:
    """Torch's global RNG seeded for the block (module initialisation is then reproducible,
    as Hypothesis requires), and restored afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextmanager
def mode(module: nn.Module, *, training: bool) -> Iterator[nn.Module]:
    """Run with ``module`` in train or eval mode, then restore the mode it had."""
    was = module.training
    module.train(training)
    try:
        yield module
    finally:
        module.train(was)


def sk_modules(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every SK-conv-like submodule (``module`` itself included), by name: anything with
    ``branch_outputs``, with or without fuse and select steps."""
    return [
        (name, m)
        for name, m in module.named_modules()
        if callable(getattr(m, "branch_outputs", None))
    ]


# -- SK convolution -----------------------------------------------------------------------


def attention(sk: SKLike, x: Tensor) -> tuple[list[Tensor], Tensor]:
    """The branch outputs U_1..U_M and the attention over them for input ``x``."""
    branches = sk.branch_outputs(x)
    if not hasattr(sk, "select"):  # no attention: every branch is added with weight 1
        ones = torch.ones_like(branches[0][:, None, :, :1, :1])
        return branches, ones.expand(-1, len(branches), -1, -1, -1)
    return branches, sk.select(sk.fuse(branches))


def check_attention_normalized(sk: SKLike, x: Tensor, *, atol: float = 1e-5) -> None:
    """Softmax across the M branches: shape (B, M, C, 1, 1), every weight in (0, 1) (exactly 1
    for a single branch; 0 or 1 also where one branch saturates the softmax in floating point)
    and the M weights of each sample and channel summing to 1."""
    if not hasattr(sk, "select"):
        check_branches_summed(sk, x)
        return
    with torch.no_grad():
        branches, a = attention(sk, x)
    M, (B, C) = len(branches), branches[0].shape[:2]
    assert tuple(a.shape) == (B, M, C, 1, 1), (
        f"attention has shape {tuple(a.shape)}, expected (B, M, C, 1, 1) = {(B, M, C, 1, 1)}"
    )
    assert torch.isfinite(a).all(), "attention has non-finite values"
    if M == 1:
        assert bool((a == 1).all()), (
            f"with one branch the attention must be exactly 1; got values in "
            f"[{a.min().item():.6g}, {a.max().item():.6g}]"
        )
        return
    # a softmax lies in (0, 1); in floating point a branch whose logit leads by enough rounds
    # to exactly 1 (its rivals to tiny values or 0), which is saturation, not a bug
    saturated = a.max(dim=1, keepdim=True).values >= 1 - M * torch.finfo(a.dtype).eps
    inside = ((a > 0) & (a < 1)) | (saturated & (a >= 0) & (a <= 1))
    assert bool(inside.all()), (
        f"attention weights must lie in (0, 1); got values in "
        f"[{a.min().item():.6g}, {a.max().item():.6g}]"
    )
    sums = a.sum(dim=1)
    worst = (sums - 1).abs().max().item()
    assert worst <= atol, (
        f"attention weights must sum to 1 across the M={M} branches for every sample and "
        f"channel; the sums are off by up to {worst:.3g}"
    )


def check_branches_summed(sk: SKLike, x: Tensor) -> None:
    """Without a select step (one branch, or ``select: sum``) the output is the plain sum of the
    branch outputs."""
    with torch.no_grad():
        branches = sk.branch_outputs(x)
        out = sk(x)
    total = branches[0]
    for branch in branches[1:]:
        total = total + branch
    torch.testing.assert_close(
        out, total, msg=lambda m: f"without attention the output must be the branches' sum: {m}"
    )


def check_branch_shapes(sk: SKLike, x: Tensor) -> None:
    """Every branch, dilated or not, yields the same shape, and that is the output's."""
    with torch.no_grad():
        shapes = [tuple(u.shape) for u in sk.branch_outputs(x)]
        assert len(set(shapes)) == 1, f"branch outputs differ in shape: {shapes}"
        out = tuple(sk(x).shape)
    assert shapes[0] == out, f"branches give {shapes[0]} but the output is {out}"


def check_single_branch_is_plain(sk: SKLike, x: Tensor) -> None:
    """With M = 1 there is nothing to select: the SK conv is its one branch, with no fuse or
    select layers (their parameters would never matter)."""
    with torch.no_grad():
        branches = sk.branch_outputs(x)
        assert len(branches) == 1, f"expected one branch, got M={len(branches)}"
        out = sk(x)
    extra = [n for n, _ in sk.named_parameters() if not n.startswith("split.")]
    assert not extra, f"a single branch needs no attention layers, found {extra}"
    torch.testing.assert_close(
        out, branches[0], msg=lambda m: f"M=1 output is not its branch's output: {m}"
    )


def permute_branches(sk: SKLike, order: Sequence[int]) -> nn.Module:
    """A copy of ``sk`` whose branch i is the original branch ``order[i]``, with the select
    weights of each branch moved along with it."""
    M = len(sk.split)
    assert sorted(order) == list(range(M)), f"{list(order)} is not a permutation of range({M})"
    out = copy.deepcopy(sk)
    out.split = nn.ModuleList(copy.deepcopy(sk.split[i]) for i in order)
    if not hasattr(sk, "select"):
        return out
    weight = sk.select.fc.weight
    rows = weight.view(M, -1, *weight.shape[1:])[list(order)].reshape(weight.shape)
    with torch.no_grad():
        out.select.fc.weight.copy_(rows)
    return out


def check_branch_permutation(sk: SKLike, x: Tensor, order: Sequence[int]) -> None:
    """Permuting branches together with their select weights leaves the output unchanged
    (with ``split_input`` the input slices move with their branches)."""
    permuted = permute_branches(sk, order)
    x_perm = x
    if getattr(sk, "split_input", False):
        x_perm = torch.cat([x.chunk(len(order), dim=1)[i] for i in order], dim=1)
    with torch.no_grad():
        expected, got = sk(x), permuted(x_perm)
    torch.testing.assert_close(
        got,
        expected,
        rtol=1e-4,
        atol=1e-5,
        msg=lambda m: f"branch order {list(order)} changed the output: {m}",
    )


def branch_count(sk: SKLike) -> int:
    """M of an SK-like module: its ``split`` branches, else its ``M`` attribute."""
    split = getattr(sk, "split", None)
    return len(split) if split is not None else int(sk.M)


def check_sk_gradient_flow(sk: SKLike, x: Tensor) -> None:
    """A loss on the output sends gradient into every branch and, when there is a choice to
    make (M > 1), into the fuse and select parameters."""
    check_gradient_flow(sk, x)


# -- any module: shape, cost, batch independence, gradients ------------------------------


def check_output_shape(module: nn.Module, x: Tensor, expected: Sequence[int]) -> None:
    with torch.no_grad(), mode(module, training=False):
        got = tuple(module(x).shape)
    assert got == tuple(expected), f"output shape {got}, expected {tuple(expected)}"


def check_complexity(module: nn.Module, x: Tensor, cost: Cost) -> None:
    """The analytic cost matches the module: parameter count, and FLOPs counted by
    ``torch.utils.flop_counter`` equal to 2 x MACs."""
    params = sum(p.numel() for p in module.parameters())
    assert params == cost.params, f"module has {params:,} parameters, analytic {cost.params:,}"
    with torch.no_grad(), mode(module, training=False), FlopCounterMode(display=False) as fc:
        module(x[:1])
    flops = fc.get_total_flops()
    assert flops == 2 * cost.macs, (
        f"flop counter: {flops:,} FLOPs, analytic 2 x MACs = {2 * cost.macs:,}"
    )


def check_batch_independence(
    module: nn.Module, x: Tensor, *, rtol: float = 1e-4, atol: float = 1e-5
) -> None:
    """In eval mode each sample's output is what it gets alone."""
    assert x.shape[0] >= 2, "batch independence needs a batch of at least 2"
    with torch.no_grad(), mode(module, training=False):
        together = module(x)
        for i in range(x.shape[0]):
            alone = module(x[i : i + 1])
            torch.testing.assert_close(
                together[i : i + 1],
                alone,
                rtol=rtol,
                atol=atol,
                msg=_prefixed(f"sample {i}'s output depends on the rest of the batch"),
            )


def _prefixed(said: str) -> Callable[[str], str]:
    """An ``assert_close`` message: what broke, then torch's own account of the difference."""
    return lambda details: f"{said}: {details}"


def _gradients(module: nn.Module, x: Tensor, *, training: bool = True) -> dict[str, Tensor]:
    """Gradients of a random projection of the output (a plain sum would be blind: the sum of
    a train-mode BatchNorm's output over the batch does not depend on its input)."""
    with mode(module, training=training), seeded(0):  # dropout, if any, draws the same
        module.zero_grad(set_to_none=True)
        out = module(x)
        generator = torch.Generator().manual_seed(0)
        weights = torch.randn(out.shape, generator=generator)
        (out * weights).sum().backward()
    grads = {name: p.grad for name, p in module.named_parameters() if p.grad is not None}
    module.zero_grad(set_to_none=True)
    for name, g in grads.items():
        assert torch.isfinite(g).all(), f"gradient of {name} is not finite"
    return grads


def _reached(grads: dict[str, Tensor], name: str) -> bool:
    g = grads.get(name)
    return g is not None and bool(g.abs().max() > 0)


def sk_parts(module: nn.Module) -> list[tuple[str, list[str]]]:
    """(what, parameter names) for every part of every SK conv in ``module`` that a loss must
    reach: each branch and, where the conv attends, the fuse and select layers."""
    names = [n for n, p in module.named_parameters() if p.requires_grad]
    parts: list[tuple[str, list[str]]] = []
    for name, sk in sk_modules(module):
        base = f"{name}." if name else ""
        M = branch_count(sk)
        groups = [(f"branch {m}", f"split.{m}.") for m in range(M)]
        if hasattr(sk, "select"):
            groups += [("fuse (attention)", "fuse.fc."), ("select (attention)", "select.fc.")]
        for what, prefix in groups:
            owned = [n for n in names if n.startswith(base + prefix)]
            parts.append((f"{what} of {name or 'the SK conv'}", owned))
    return parts


def check_gradient_flow(module: nn.Module, x: Tensor) -> None:
    """A loss on the train-mode output reaches every trainable parameter (finite gradient) and
    moves every SK branch and, with M > 1, the attention (non-zero gradient).

    A layer ahead of a train-mode BatchNorm through nothing but per-channel, positively
    homogeneous ops (one channel, or depthwise on a 1x1 map) is scale-invariant, so its
    train-mode gradient is zero by design; such a part must then move in eval mode instead.
    """
    grads = _gradients(module, x)
    for name, p in module.named_parameters():
        if p.requires_grad:
            assert name in grads, f"{name} is not connected to the output (no gradient)"
    eval_grads: dict[str, Tensor] | None = None
    for what, owned in sk_parts(module):
        assert owned, f"{what} has no trainable parameters"
        if any(_reached(grads, n) for n in owned):
            continue
        if eval_grads is None:
            eval_grads = _gradients(module, x, training=False)
        if not any(_reached(eval_grads, n) for n in owned):
            raise AssertionError(f"no gradient reaches {what} ({', '.join(owned)})")


# -- blocks ------------------------------------------------------------------------------


def block_cost(block: str | BlockKind | type, x: Tensor, args: BlockArgs) -> Cost:
    """The block's analytic cost for input ``x``'s spatial size."""
    return describe(block).complexity(Shape(args[0], x.shape[2], x.shape[3]).cost(), *args)


def check_block_invariants(
    block: str | BlockKind | type,
    args: BlockArgs,
    x: Tensor,
    *,
    seed: int = 0,
    gradients: bool = True,
) -> None:
    """Build ``block(*args)`` (initialised from ``seed``) and check it against its own analytic
    description: output shape, parameter count and MACs, batch independence, gradient flow
    (unless ``gradients`` is false), and for each SK conv inside it softmax-normalised
    attention (train and eval) and equal branch shapes.

    Gradient flow is a property of the architecture, but a one-channel width on a map of a
    pixel or two can stall it for a given input (every value ReLU-dead, or a scale-invariant
    chain of BatchNorms): draw its arguments with ``min_width`` and its inputs with
    ``min_size`` (see docs/property-testing.md)."""
    kind = describe(block)
    w_in, w_out, stride, params = args
    assert x.shape[1] == w_in, f"input has {x.shape[1]} channels, the block takes {w_in}"
    with seeded(seed):
        module = build_block(kind, w_in, w_out, stride, params)
    cost = block_cost(kind, x, args)
    check_output_shape(module, x, (x.shape[0], w_out, cost.h, cost.w))
    check_complexity(module, x, cost)
    check_sk_submodules(module, x)
    check_gates_in_unit_interval(module, x)
    check_batch_independence(module, x)
    if gradients:
        check_gradient_flow(module, x)


def check_sk_submodules(module: nn.Module, x: Tensor) -> None:
    """Attention and branch-shape checks on every SK conv inside ``module``, fed the inputs it
    sees in a forward pass of ``x``, in train and in eval mode."""
    found = sk_modules(module)
    for training in (True, False):
        seen = _inputs_of(module, x, [m for _, m in found], training=training)
        for (name, sk), sk_x in zip(found, seen):
            where = f" (at {name or 'the module itself'}, {'train' if training else 'eval'})"
            with mode(sk, training=training):
                try:
                    check_attention_normalized(sk, sk_x)
                    check_branch_shapes(sk, sk_x)
                except AssertionError as exc:
                    raise AssertionError(f"{exc}{where}") from None


def gate_modules(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every attention gate inside ``module`` (``module`` itself included), by name: anything
    whose class defines a ``gate`` method (SE, BAM) or ``channel_gate``/``spatial_gate`` methods
    (CBAM); a submodule that happens to be called ``gate`` is not one."""
    return [
        (name, m)
        for name, m in module.named_modules()
        if any(callable(getattr(type(m), method, None)) for method in ("gate", "channel_gate"))
    ]


def gate_values(gate: Any, x: Tensor) -> list[Tensor]:
    """The weights a gate module puts on input ``x``: its one gate, or CBAM's channel gate and
    the spatial gate on the channel-gated input."""
    with torch.no_grad():
        if callable(getattr(type(gate), "gate", None)):
            return [gate.gate(x)]
        channel = gate.channel_gate(x)
        return [channel, gate.spatial_gate(x * channel)]


def check_gates_in_unit_interval(module: nn.Module, x: Tensor) -> None:
    """Every attention gate (SE, CBAM, BAM) inside ``module``, fed what it sees in a forward
    pass of ``x`` in train and eval mode, weighs by finite values in (0, 1) (a sigmoid; values
    of exactly 0 or 1 are its float32 saturation, far from 0) and keeps its input's shape."""
    found = gate_modules(module)
    for training in (True, False):
        seen = _inputs_of(module, x, [m for _, m in found], training=training)
        for (name, gate), gate_x in zip(found, seen):
            where = f" (at {name or 'the module itself'}, {'train' if training else 'eval'})"
            with mode(gate, training=training):
                for g in gate_values(gate, gate_x):
                    assert torch.isfinite(g).all(), f"a gate has non-finite values{where}"
                    low, high = g.min().item(), g.max().item()
                    assert low >= 0 and high <= 1, (
                        f"gate values must lie in (0, 1); got [{low:.6g}, {high:.6g}]{where}"
                    )
                with torch.no_grad():
                    out = gate(gate_x)
                assert out.shape == gate_x.shape, (
                    f"a gate changed the shape {tuple(gate_x.shape)} to {tuple(out.shape)}{where}"
                )


def _inputs_of(
    module: nn.Module, x: Tensor, targets: list[nn.Module], *, training: bool
) -> list[Tensor]:
    """The input each of ``targets`` receives during one forward pass of ``module``."""
    seen: dict[int, Tensor] = {}
    hooks = [
        t.register_forward_pre_hook(lambda m, args, i=i: seen.setdefault(i, args[0].detach()))
        for i, t in enumerate(targets)
    ]
    try:
        with torch.no_grad(), mode(module, training=training), seeded(0):
            module(x)
    finally:
        for h in hooks:
            h.remove()
    return [seen[i] for i in range(len(targets))]


# -- networks ----------------------------------------------------------------------------


def spec_cost(spec: NetworkSpec, h: int, w: int, *, head: bool = True) -> Cost:
    """Analytic cost of the whole network for an h x w input (the head only if ``head``)."""
    return walk(spec, (h, w)).total(head=head)


def check_network_invariants(spec: NetworkSpec, x: Tensor, *, seed: int = 0) -> None:
    """Build ``spec`` (initialised from ``seed``) and check output and feature shapes,
    parameters and MACs against the analytic cost, attention in every SK conv, and batch
    independence in eval mode."""
    with seeded(seed):
        model = build_model(spec)
    B, _, h, w = x.shape
    features = spec_cost(spec, h, w, head=False)
    classes = spec.head.num_classes or spec.head_op().features
    check_output_shape(model, x, (B, classes))
    with torch.no_grad(), mode(model, training=False):
        got = tuple(model.forward_features(x).shape)
    want = (B, spec.stages[-1].out_width, features.h, features.w)
    assert got == want, f"feature map {got}, the spec predicts {want}"
    check_complexity(model, x, spec_cost(spec, h, w))
    check_sk_submodules(model, x)  # also leaves non-trivial BatchNorm running statistics
    check_gates_in_unit_interval(model, x)
    check_batch_independence(model, x)


# -- specs ---------------------------------------------------------------------------------


def check_yaml_round_trip(spec: NetworkSpec) -> None:
    """spec -> YAML -> spec is the identity, each stage's SK override keeps exactly the fields it
    set (a field it leaves out still comes from the network's ``sk``), and the YAML is a fixed
    point."""
    text = dump_spec(spec)
    try:
        back = parse_spec(text, "<round trip>")
    except SpecError as exc:
        message = f"round trip changed the spec: its YAML is refused ({exc}):\n{text}"
        raise AssertionError(message) from None
    assert back == spec, f"round trip changed the spec:\n{text}"
    assert _override_fields(back) == _override_fields(spec), (
        f"round trip changed the fields a stage's sk overrides:\n{text}"
    )
    assert dump_spec(back) == text, "YAML of the reloaded spec differs"


def _override_fields(spec: NetworkSpec) -> list[object]:
    return [_fields_set(stage.sk) if stage.sk is not None else None for stage in spec.stages]


def _fields_set(model: object) -> object:
    if isinstance(model, list):
        return [_fields_set(m) for m in model]
    fields = getattr(model, "model_fields_set", None)
    if fields is None:
        return model
    return {name: _fields_set(getattr(model, name)) for name in sorted(fields)}
