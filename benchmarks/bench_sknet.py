"""Speed and memory of the built SKNet-50 against the built ResNeXt-50 and timm's SKNet-50.

Run from the repository root (timm is optional; without it the timm rows are skipped):

    PYTHONPATH=. python benchmarks/bench_sknet.py [--batch 8] [--image-size 224] [--threads 1]

Every candidate is timed round-robin in one process (eval and training steps interleaved), so
load from other processes hits all of them alike; medians and ratios of medians are printed.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from skbuilder import build_model, load_spec, progress
from skbuilder.interop.fusion import fuse_for_inference
from skbuilder.native_stderr import without_profiler_chatter

SPECS = Path(__file__).resolve().parent.parent / "specs"
TIMM_SKNET50 = "skresnext50_32x4d"
MIB = 2**20


def load_timm() -> object | None:
    """timm's module, or None where it is not installed."""
    try:
        import timm
    except ImportError:
        return None
    return timm


def eval_step(model: nn.Module, x: Tensor) -> Callable[[], object]:
    """One inference forward pass (no autograd bookkeeping)."""
    model.eval()

    def run() -> object:
        with torch.inference_mode():
            return model(x)

    return run


def train_step(
    model: nn.Module, x: Tensor, target: Tensor, *, keep_grads: bool = False
) -> Callable[[], object]:
    """One training step without the optimizer: forward in train mode, loss, backward.
    ``keep_grads`` zeroes the gradients in place instead of freeing them (for memory rows)."""
    model.train()

    def run() -> object:
        model.zero_grad(set_to_none=not keep_grads)
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        return loss

    return run


def time_interleaved(
    steps: dict[str, Callable[[], object]], *, repeats: int, warmup: int = 1, desc: str = "timing"
) -> dict[str, list[float]]:
    """Seconds per call of every step, measured round-robin: each round runs every step once."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    with progress.bar(desc=desc, total=(warmup + repeats) * len(steps), unit="step") as shown:
        for _ in range(warmup):
            for step in steps.values():
                step()
                shown.update(1)
        for _ in range(repeats):
            for name, step in steps.items():
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
                shown.update(1)
    return times


def saved_tensor_bytes(model: nn.Module, step: Callable[[], object]) -> int:
    """Bytes of activations autograd keeps for backward during ``step``: distinct storages saved
    by the forward pass, not counting the model's parameters. This is what a training step holds
    at the turn from forward to backward, the usual peak."""
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


def validate_and_build(path: Path) -> nn.Module:
    """What a user pays to get a model from YAML: parse, validate, build, initialise."""
    return build_model(load_spec(path))


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def median_rows(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(ts) for name, ts in times.items()}


def ratio_notes(name: str, medians: dict[str, float]) -> str:
    """Ratios of one step's median: to timm's step of the same kind, and (for SKNet rows) to the
    ResNeXt row with the same settings, the SK overhead."""
    kind, _, who = name.partition(" ")
    notes = ""
    timm_ref = f"{kind} timm"
    if "timm" not in who and timm_ref in medians:
        notes += f"   {medians[name] / medians[timm_ref]:.3f}x timm"
    twin = name.replace("sknet", "resnext")
    if twin != name and twin in medians:
        notes += f"   {medians[name] / medians[twin]:.3f}x {twin.partition(' ')[2]}"
    return notes


def speed_steps(
    sk_spec: Path, baseline_spec: Path, timm: object | None, x: Tensor
) -> tuple[dict[str, Callable[[], object]], dict[str, nn.Module]]:
    """Every timed candidate: eval (plain, fused, fused + channels_last) and training steps."""
    cl = torch.channels_last
    x_cl = x.contiguous(memory_format=cl)
    target = torch.zeros(x.shape[0], dtype=torch.long)
    sk = build_model(sk_spec)
    base = build_model(baseline_spec)
    steps: dict[str, Callable[[], object]] = {
        "eval sknet": eval_step(sk, x),
        "eval sknet fused+CL": eval_step(fuse_for_inference(sk, channels_last=True), x_cl),
        "eval resnext": eval_step(base, x),
        "eval resnext fused+CL": eval_step(fuse_for_inference(base, channels_last=True), x_cl),
    }
    trained: dict[str, nn.Module] = {
        "train sknet": copy.deepcopy(sk),
        "train sknet CL": copy.deepcopy(sk).to(memory_format=cl),
        "train resnext": copy.deepcopy(base),
    }
    if timm is not None:
        reference = timm.create_model(TIMM_SKNET50)  # type: ignore[attr-defined]
        steps["eval timm"] = eval_step(reference, x)
        steps["eval timm CL"] = eval_step(copy.deepcopy(reference).to(memory_format=cl), x_cl)
        trained["train timm"] = copy.deepcopy(reference)
        trained["train timm CL"] = copy.deepcopy(reference).to(memory_format=cl)
    for name, model in trained.items():
        steps[name] = train_step(model, x_cl if name.endswith("CL") else x, target)
    return steps, trained


def construction_steps(build_spec: Path, timm: object | None) -> dict[str, Callable[[], object]]:
    """Validate+build from YAML vs timm's create_model of a network with the same blocks."""
    spec = load_spec(build_spec)
    steps: dict[str, Callable[[], object]] = {
        f"build {spec.name} (yaml)": lambda: validate_and_build(build_spec)
    }
    if timm is not None and all(s.block == "sk_bottleneck" for s in spec.stages):
        layers = [s.depth for s in spec.stages]
        steps[f"timm create_model {TIMM_SKNET50} layers={layers}"] = (
            lambda: timm.create_model(TIMM_SKNET50, layers=layers)  # type: ignore[attr-defined]
        )
    return steps


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--build-repeats", type=int, default=5)
    parser.add_argument("--sk-spec", type=Path, default=SPECS / "sknet50.yaml")
    parser.add_argument("--baseline-spec", type=Path, default=SPECS / "resnext50_32x4d.yaml")
    parser.add_argument("--build-spec", type=Path, default=SPECS / "sknet101.yaml")
    parser.add_argument("--no-timm", action="store_true", help="skip timm even if installed")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory rows")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, print_line: Callable[[str], None] = print) -> dict[str, float]:
    """Run every measurement, print the report, return the medians (seconds) and memory (bytes)."""
    timm = None if args.no_timm else load_timm()
    results: dict[str, float] = {}
    with torch_threads(args.threads):
        torch.manual_seed(0)
        x = torch.randn(args.batch, 3, args.image_size, args.image_size)
        print_line(
            f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {args.batch}, "
            f"{args.image_size}x{args.image_size}, {args.repeats} rounds; "
            f"timm {'not installed' if timm is None else timm.__version__}"  # type: ignore[attr-defined]
        )
        steps, trained = speed_steps(args.sk_spec, args.baseline_spec, timm, x)
        medians = median_rows(time_interleaved(steps, repeats=args.repeats, warmup=args.warmup))
        results.update(medians)
        print_line("time (median per step)")
        for name, seconds in medians.items():
            line = f"  {name:<26}{seconds * 1e3:10.1f} ms" + ratio_notes(name, medians)
            print_line(line)

        if not args.no_memory:
            print_line(
                "training-step memory (MiB): activations saved for backward / allocator peak"
                " (above weights and gradients)"
            )
            target = torch.zeros(args.batch, dtype=torch.long)
            lines = []  # printed after the progress bar is gone
            for name, model in progress.bar(trained.items(), desc="memory", unit="model"):
                xin = x.contiguous(memory_format=torch.channels_last) if name.endswith("CL") else x
                step = train_step(model, xin, target, keep_grads=True)
                saved = saved_tensor_bytes(model, step)  # also leaves every gradient allocated
                peak = allocator_peak_bytes(step)
                results[f"{name} saved bytes"] = saved
                line = f"  {name:<26}{saved / MIB:10.1f} / "
                if peak is not None:
                    results[f"{name} peak bytes"] = peak
                    line += f"{peak / MIB:.1f}"
                else:
                    line += "n/a"
                lines.append(line)
            for line in lines:
                print_line(line)

        builds = construction_steps(args.build_spec, timm)
        build_times = time_interleaved(
            builds, repeats=args.build_repeats, warmup=1, desc="construction"
        )
        build_medians = median_rows(build_times)
        results.update(build_medians)
        print_line("construction (median)")
        names = list(build_medians)
        for name in names:
            line = f"  {name:<52}{build_medians[name] * 1e3:8.1f} ms"
            if name != names[0]:
                line += f"   ours/this = {build_medians[names[0]] / build_medians[name]:.3f}"
            print_line(line)
    return results


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
