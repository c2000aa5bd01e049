"""How much of a compiled model's time is convolution: the bound on what any change to the
other ops (attention, weighted sum, pooling, residual adds) can still gain.

    PYTHONPATH=. python benchmarks/conv_share.py [--batch 8] [--threads 1] [MODEL ...]

MODEL is a spec or ``timm:NAME`` (default: sknet50 and timm:skresnext50_32x4d when timm is
installed). Each is prepared as ``skbuilder bench --mode compile`` does (BatchNorm folded,
channels_last, inductor freezing), then profiled over a few calls; the report gives the self CPU
time of convolution ops against the total.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable

from torch.profiler import ProfilerActivity, profile

from skbuilder.bench import BenchConfig, load_subject, prepare, torch_threads
from skbuilder.native_stderr import without_profiler_chatter
from skbuilder.text import table


def is_convolution(op: str) -> bool:
    """Profiler op names of convolutions: aten's, oneDNN's and inductor's fused ones."""
    return "conv" in op.lower()


def conv_share(step: Callable[[], object], calls: int) -> tuple[float, float]:
    """(convolution seconds, total seconds) of self CPU time over ``calls`` calls of ``step``."""
    with (
        without_profiler_chatter(),
        profile(activities=[ProfilerActivity.CPU]) as prof,
    ):
        for _ in range(calls):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    conv = sum(e.self_cpu_time_total for e in events if is_convolution(e.key))
    return conv / 1e6, total / 1e6


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", metavar="MODEL")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--mode", choices=("compile", "eager"), default="compile")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, print_line: Callable[[str], None] = print) -> dict[str, float]:
    """The convolution share per model (0 to 1), printed as a table."""
    refs = args.models or ["sknet50"]
    if not args.models and importlib.util.find_spec("timm") is not None:
        refs.append("timm:skresnext50_32x4d")
    config = BenchConfig(
        mode=args.mode, batch=args.batch, image_size=args.image_size, threads=args.threads
    )
    shares, rows = {}, []
    with torch_threads(args.threads):
        for ref in refs:
            (ready,) = prepare(dict([load_subject(ref)]), config)
            ready.step()
            conv, total = conv_share(ready.step, args.calls)
            shares[ready.label] = conv / total
            per_call = [f"{conv / args.calls * 1e3:.1f} ms", f"{total / args.calls * 1e3:.1f} ms"]
            rows.append([ready.label, ready.how, *per_call, f"{conv / total:.1%}"])
    head = ["model", "prepared as", "convolution", "total", "share"]
    print_line(table(head, rows, right=(2, 3, 4)))
    return shares


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
