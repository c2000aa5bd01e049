"""Where the SK overhead goes: the built SKNet-50 against the built ResNeXt-50 it extends, part
by part, on the fused + channels_last eager path (or another ``skbuilder bench`` preparation).

    PYTHONPATH=. python benchmarks/sk_overhead.py [--batch 8] [--threads 1] [--repeats 7]

Both networks share stem, 1x1 convolutions, shortcuts and head; they differ only in each block's
``conv2``: one grouped 3x3 convolution in ResNeXt, an SK convolution (the same 3x3 branch, a
dilated 3x3 branch, fuse, select and the weighted sum) in SKNet. Forward hooks time each part
(inclusive; hooks cost microseconds against milliseconds of convolution) by the process's CPU
time, which other processes on a shared machine do not inflate, or by wall time (``--clock
wall``); the two models alternate round by round, and the medians per part are compared.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import Tensor, nn

from skbuilder import build_model, progress
from skbuilder.bench import torch_threads
from skbuilder.interop.fusion import fuse_for_inference
from skbuilder.nn.layers.sk_conv import SKConv
from skbuilder.text import table

SPECS = Path(__file__).resolve().parent.parent / "specs"
#: Parts in the order of the report; ``rest`` is the whole forward minus every ``conv2``.
PARTS = ("3x3 branch", "dilated 3x3 branch", "fuse + select + weighted sum", "rest", "total")


def roles(model: nn.Module) -> dict[str, list[nn.Module]]:
    """The modules whose inclusive time makes up each measured role (none measured twice)."""
    found: dict[str, list[nn.Module]] = {
        "sk conv": [],
        "sk 3x3": [],
        "sk dilated": [],
        "plain conv2": [],
    }
    for name, module in model.named_modules():
        if not name.endswith(".conv2"):
            continue
        if isinstance(module, SKConv):
            found["sk conv"].append(module)
            found["sk 3x3"].append(module.split[0])
            found["sk dilated"].extend(module.split[1:])
        else:
            found["plain conv2"].append(module)
    return found


#: The clocks a part can be timed by: CPU time of the whole process (every torch thread), or wall.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


@contextmanager
def timed_roles(
    model: nn.Module, clock: Callable[[], float] = time.process_time
) -> Iterator[dict[str, float]]:
    """Seconds spent in each role's modules while the block runs (hooks removed after)."""
    spent: dict[str, float] = {}
    handles = []
    for role, modules in roles(model).items():
        spent[role] = 0.0
        for module in modules:
            starts: list[float] = []

            def pre(_m: nn.Module, _i: object, starts: list[float] = starts) -> None:
                starts.append(clock())

            def post(
                _m: nn.Module,
                _i: object,
                _o: object,
                role: str = role,
                starts: list[float] = starts,
            ) -> None:
                spent[role] += clock() - starts.pop()

            handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    try:
        yield spent
    finally:
        for handle in handles:
            handle.remove()


def parts_of(
    model: nn.Module, x: Tensor, clock: Callable[[], float] = time.process_time
) -> dict[str, float]:
    """One inference forward, split into PARTS (seconds by ``clock``)."""
    with timed_roles(model, clock) as spent, torch.inference_mode():
        start = clock()
        model(x)
        total = clock() - start
    return {
        "3x3 branch": spent["sk 3x3"] + spent["plain conv2"],
        "dilated 3x3 branch": spent["sk dilated"],
        "fuse + select + weighted sum": spent["sk conv"] - spent["sk 3x3"] - spent["sk dilated"],
        "rest": total - spent["sk conv"] - spent["plain conv2"],
        "total": total,
    }


def compare(
    models: dict[str, nn.Module],
    x: Tensor,
    *,
    repeats: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, dict[str, float]]:
    """Median seconds per part of each model, the models alternating round by round."""
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in models}
    with progress.bar(desc="parts", total=(warmup + repeats) * len(models), unit="step") as bar:
        for round_ in range(warmup + repeats):
            names = list(models) if round_ % 2 == 0 else list(models)[::-1]
            for name in names:
                parts = parts_of(models[name], x, clock)
                if round_ >= warmup:
                    rounds[name].append(parts)
                bar.update(1)
    return {
        name: {part: statistics.median(r[part] for r in runs) for part in PARTS}
        for name, runs in rounds.items()
    }


def report(medians: dict[str, dict[str, float]], sk: str, base: str) -> str:
    """Per part: both models' medians, and the part's share of the difference in total time."""
    extra = medians[sk]["total"] - medians[base]["total"]
    rows = []
    for part in PARTS:
        a, b = medians[sk][part], medians[base][part]
        share = f"{(a - b) / extra:+.0%}" if extra > 0 and part != "total" else ""
        rows.append([part, f"{a * 1e3:.1f} ms", f"{b * 1e3:.1f} ms", share])
    ratio = medians[sk]["total"] / medians[base]["total"]
    head = ["part", sk, base, "share of the difference"]
    return table(head, rows, right=(1, 2, 3)) + f"\n{sk} / {base}: {ratio:.3f}x"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--layout", choices=("channels_last", "nchw"), default="channels_last")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="cpu")
    parser.add_argument("--sk-spec", type=Path, default=SPECS / "sknet50.yaml")
    parser.add_argument("--baseline-spec", type=Path, default=SPECS / "resnext50_32x4d.yaml")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, print_line: Callable[[str], None] = print) -> str:
    channels_last = args.layout == "channels_last"
    with torch_threads(args.threads):
        torch.manual_seed(0)
        models = {
            path.stem: fuse_for_inference(build_model(path), channels_last=channels_last)
            for path in (args.sk_spec, args.baseline_spec)
        }
        x = torch.randn(args.batch, 3, args.image_size, args.image_size)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        medians = compare(models, x, repeats=args.repeats, clock=CLOCKS[args.clock])
    print_line(
        f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch}, "
        f"{args.image_size}x{args.image_size}, fused, {args.layout}, {args.repeats} rounds, "
        f"{args.clock} time"
    )
    out = report(medians, args.sk_spec.stem, args.baseline_spec.stem)
    print_line(out)
    return out


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
