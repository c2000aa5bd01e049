"""What one step holds in memory, as PyTorch's own allocator and autograd see it (memory that
other libraries allocate, such as ONNX Runtime's arenas, is not visible here)."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from skbuilder.native_stderr import without_profiler_chatter


def saved_tensor_bytes(model: nn.Module, step: Callable[[], object]) -> int:
    """Bytes of activations autograd keeps for backward during ``step``: distinct storages saved
    by the forward pass, not counting the model's parameters. This is what a training step holds
    at the turn from forward to backward, the usual peak."""
    import torch

    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params and storage.device.type != "meta":
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    return sum(saved.values())


def allocator_peak_bytes(step: Callable[[], object]) -> int | None:
    """Peak of CPU memory allocated by PyTorch during ``step`` above what was allocated before it
    (weights, inputs and, once a step has run, gradients), replayed in time order from the
    profiler's allocation events; None where the profiler does not expose them."""
    from torch.profiler import ProfilerActivity, profile

    with (
        without_profiler_chatter(),
        profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof,
    ):
        step()
    results = getattr(prof.profiler, "kineto_results", None)
    if results is None:
        return None
    events = sorted((e.start_ns(), e.nbytes()) for e in results.events() if e.name() == "[memory]")
    level = peak = 0
    for _, nbytes in events:
        level += nbytes
        peak = max(peak, level)
    return peak


__all__ = ["allocator_peak_bytes", "saved_tensor_bytes"]
