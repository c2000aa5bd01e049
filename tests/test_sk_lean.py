"""The SK select: same result in place (no autograd) and out of place, channels_last kept, no
stacked copy of the branches saved for backward, and no graph breaks under torch.compile."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from skbuilder.blocks import SKSpec
from skbuilder.nn.layers import SKConv
from skbuilder.nn.layers.sk_conv import weighted_sum

CL = torch.channels_last


def _stacked_select(sk: SKConv, x: Tensor) -> Tensor:
    """The textbook formulation: stack the M branches, weight, sum over M."""
    u = sk.branch_outputs(x)
    a = sk.select(sk.fuse(u))
    return (torch.stack(u, dim=1) * a).sum(dim=1)


def _sk(kernels: tuple[int, ...] = (3, 5), stride: int = 1) -> SKConv:
    sk = SKConv(16, 16, stride=stride, sk=SKSpec(kernels=kernels, G=4, r=4, L=8))
    for bn in (m for m in sk.modules() if isinstance(m, nn.BatchNorm2d)):
        nn.init.uniform_(bn.weight, 0.5, 1.5)
    return sk


@pytest.mark.parametrize("kernels", [(3, 5), (3, 5, 7)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_select_matches_stacked_formulation(kernels: tuple[int, ...], channels_last: bool) -> None:
    sk = _sk(kernels=kernels, stride=2)
    x = torch.randn(2, 16, 12, 12)
    if channels_last:
        sk, x = sk.to(memory_format=CL), x.contiguous(memory_format=CL)
    expected = _stacked_select(sk, x).detach()
    with_grad = sk(x)
    with torch.no_grad():
        in_place = sk(x)
    with torch.inference_mode():
        inference = sk(x)
    for got in (with_grad, in_place, inference):
        torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
        assert got.is_contiguous(memory_format=CL if channels_last else torch.contiguous_format)


def test_backward_through_select_is_unchanged() -> None:
    sk = _sk()
    x = torch.randn(2, 16, 8, 8, requires_grad=True)
    sk(x).square().sum().backward()
    lean = [p.grad.clone() for p in sk.parameters()] + [x.grad.clone()]
    sk.zero_grad()
    x.grad = None
    _stacked_select(sk, x).square().sum().backward()
    reference = [p.grad for p in sk.parameters()] + [x.grad]
    for got, want in zip(lean, reference):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


def test_in_place_only_without_autograd() -> None:
    a = torch.full((1, 2, 3, 1, 1), 0.5)
    u = [torch.ones(1, 3, 2, 2, requires_grad=True), torch.ones(1, 3, 2, 2)]
    v = weighted_sum(a, u)
    assert v.data_ptr() != u[0].data_ptr()
    plain = [t.detach().clone() for t in u]
    with torch.no_grad():
        v = weighted_sum(a, plain)
    assert v.data_ptr() == plain[0].data_ptr()
    torch.testing.assert_close(v, torch.ones(1, 3, 2, 2))


def _saved_bytes(fn: object) -> int:
    saved: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()  # type: ignore[operator]
    return sum(saved.values())


def test_no_stacked_copy_is_saved_for_backward() -> None:
    sk = _sk()
    x = torch.randn(2, 16, 16, 16)
    branch = 2 * 16 * 16 * 16 * 4  # bytes of one branch output U_m
    lean, stacked = _saved_bytes(lambda: sk(x)), _saved_bytes(lambda: _stacked_select(sk, x))
    assert stacked - lean >= 2 * branch  # the stacked formulation also keeps the M x C x H x W copy


def test_attention_still_reachable_by_hooks() -> None:
    sk = _sk()
    seen: list[Tensor] = []
    sk.select.register_forward_hook(lambda _m, _i, out: seen.append(out))
    with torch.no_grad():
        sk(torch.randn(2, 16, 8, 8))
    assert seen[0].shape == (2, 2, 16, 1, 1)
    torch.testing.assert_close(seen[0].sum(1), torch.ones(2, 16, 1, 1))


@pytest.mark.parametrize("grad", [True, False])
def test_compiles_without_graph_breaks(grad: bool) -> None:
    torch._dynamo.reset()
    sk = _sk().to(memory_format=CL)
    x = torch.randn(2, 16, 8, 8).contiguous(memory_format=CL)
    compiled = torch.compile(sk, backend="eager", fullgraph=True)
    with torch.set_grad_enabled(grad):
        torch.testing.assert_close(compiled(x), sk(x))
