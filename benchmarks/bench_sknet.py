"""Speed and memory of the built SKNet-50 against the built ResNeXt-50 and timm's SKNet-50, on
every inference path at once, through ``skbuilder.bench``.

Run from the repository root (timm is optional; without it the timm rows are skipped):

    PYTHONPATH=. python benchmarks/bench_sknet.py [--batch 8] [--threads 1] [--compile]
        [--onnxruntime] [--json FILE]

All inference candidates are timed round-robin in one process (one ``skbuilder.bench.measure``
run), so the ratios below are paired: load from other processes hits every candidate alike.
Training steps form a second interleaved run. For one model against one baseline use
``skbuilder bench SPEC --baseline ...`` instead.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from torch import nn

from skbuilder import build_model, load_spec
from skbuilder.bench import (
    BenchConfig,
    BenchResult,
    Entry,
    measure,
    prepare,
    torch_threads,
)
from skbuilder.bench.report import text
from skbuilder.bench.subjects import Prepared, timm_model
from skbuilder.bench.timing import paired_ratio, time_interleaved

SPECS = Path(__file__).resolve().parent.parent / "specs"
TIMM_SKNET50 = "skresnext50_32x4d"


def load_timm() -> object | None:
    """timm's module, or None where it is not installed."""
    try:
        import timm
    except ImportError:
        return None
    return timm


def inference_candidates(
    models: dict[str, nn.Module], config: BenchConfig, *, compile_: bool, onnxruntime: bool
) -> list[Prepared]:
    """Each model eager in both layouts, folded and (for timm) as created; then the same
    compiled and run in ONNX Runtime where asked."""
    nchw = replace(config, channels_last=False)
    ready: list[Prepared] = []
    for name, model in models.items():
        variants = [("", config), (" NCHW", nchw)]
        if name == "timm":
            variants += [(" as created", replace(nchw, fold=False))]
            variants += [(" as created CL", replace(config, fold=False))]
        if compile_:
            variants += [(" compiled", replace(config, mode="compile"))]
        if onnxruntime:
            variants += [(" onnxruntime", replace(nchw, mode="onnxruntime"))]
        for suffix, settings in variants:
            ready += prepare({name + suffix: model}, settings)
    return ready


def train_candidates(models: dict[str, nn.Module], config: BenchConfig) -> list[Prepared]:
    """A training step of every model, NCHW and channels_last."""
    nchw = replace(config, channels_last=False, train=True)
    cl = replace(config, train=True)
    ready: list[Prepared] = []
    for name, model in models.items():
        ready += prepare({f"train {name}": model}, nchw)
        ready += prepare({f"train {name} CL": model}, cl)
    return ready


def pair(result: BenchResult, a: str, b: str) -> str | None:
    """``a / b``: ratio of medians and median of paired ratios, when both rows exist."""
    rows = {e.label: e for e in result.entries}
    if a not in rows or b not in rows:
        return None
    ea, eb = rows[a], rows[b]
    return (
        f"{a} / {b}: {ea.wall.median / eb.wall.median:.3f}x "
        f"(paired {paired_ratio(ea.samples.wall, eb.samples.wall):.3f}x, "
        f"CPU {ea.cpu.median / eb.cpu.median:.3f}x)"
    )


def fastest(entries: list[Entry], prefix: str) -> Entry | None:
    rows = [e for e in entries if e.label.startswith(prefix)]
    return min(rows, key=lambda e: e.wall.median) if rows else None


def comparisons(result: BenchResult) -> list[str]:
    """The ratios that matter: best against best, like for like, compiled against eager, ONNX
    Runtime against ONNX Runtime, SK overhead over ResNeXt."""
    lines = []
    ours, theirs = fastest(result.entries, "sknet50"), fastest(result.entries, "timm")
    if ours and theirs:
        lines.append("best vs best: " + (pair(result, ours.label, theirs.label) or ""))
    for a, b in [
        ("sknet50", "timm"),
        ("sknet50 NCHW", "timm NCHW"),
        ("sknet50 compiled", "timm compiled"),
        ("sknet50 compiled", "sknet50"),
        ("timm compiled", "timm"),
        ("sknet50 onnxruntime", "timm onnxruntime"),
        ("sknet50", "resnext50"),
        ("sknet50 compiled", "resnext50 compiled"),
        ("sknet50 onnxruntime", "resnext50 onnxruntime"),
        ("train sknet50", "train timm"),
        ("train sknet50 CL", "train timm CL"),
        ("train sknet50", "train resnext50"),
    ]:
        if line := pair(result, a, b):
            lines.append(line)
    return lines


def construction(build_spec: Path, timm: object | None, repeats: int) -> list[str]:
    """Parse + validate + build from YAML against timm's create_model of the same blocks."""
    spec = load_spec(build_spec)
    steps: dict[str, Callable[[], object]] = {
        f"build {spec.name} (yaml)": lambda: build_model(load_spec(build_spec))
    }
    if timm is not None and all(s.block == "sk_bottleneck" for s in spec.stages):
        layers = [s.depth for s in spec.stages]
        steps[f"timm create_model {TIMM_SKNET50} layers={layers}"] = (
            lambda: timm.create_model(TIMM_SKNET50, layers=layers)  # type: ignore[attr-defined]
        )
    samples = time_interleaved(steps, repeats=repeats, desc="construction")
    medians = {name: sorted(s.wall)[len(s.wall) // 2] for name, s in samples.items()}
    names = list(medians)
    lines = ["construction (median)"]
    for name in names:
        line = f"  {name:<52}{medians[name] * 1e3:8.1f} ms"
        if name != names[0]:
            line += f"   ours/this = {medians[names[0]] / medians[name]:.3f}"
        lines.append(line)
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--compile", action="store_true", help="add torch.compile rows")
    parser.add_argument("--onnxruntime", action="store_true", help="add ONNX Runtime rows")
    parser.add_argument("--no-train", action="store_true", help="skip the training steps")
    parser.add_argument("--build-repeats", type=int, default=5)
    parser.add_argument("--sk-spec", type=Path, default=SPECS / "sknet50.yaml")
    parser.add_argument("--baseline-spec", type=Path, default=SPECS / "resnext50_32x4d.yaml")
    parser.add_argument("--build-spec", type=Path, default=SPECS / "sknet101.yaml")
    parser.add_argument("--no-timm", action="store_true", help="skip timm even if installed")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory columns")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, print_line: Callable[[str], None] = print) -> list[BenchResult]:
    """Run every measurement and print the report; the results, inference first."""
    timm = None if args.no_timm else load_timm()
    config = BenchConfig(
        batch=args.batch,
        image_size=args.image_size,
        threads=args.threads,
        repeats=args.repeats,
        warmup=args.warmup,
        memory=not args.no_memory,
    )
    models: dict[str, nn.Module] = {
        "sknet50": build_model(args.sk_spec),
        "resnext50": build_model(args.baseline_spec),
    }
    if timm is not None:
        models["timm"] = timm_model(TIMM_SKNET50)
    results = []
    started = time.perf_counter()
    with torch_threads(args.threads):
        ready = inference_candidates(
            models, config, compile_=args.compile, onnxruntime=args.onnxruntime
        )
        results.append(measure(ready, config, baseline="timm" if timm else "resnext50"))
        if not args.no_train and args.batch >= 2:
            train = replace(config, train=True)
            base = "train timm" if timm else "train resnext50"
            results.append(measure(train_candidates(models, train), train, baseline=base))
        for result in results:
            print_line(text(result))
            print_line("")
            for line in comparisons(result):
                print_line(line)
            print_line("")
        for line in construction(args.build_spec, timm, args.build_repeats):
            print_line(line)
    print_line(f"(all measurements: {time.perf_counter() - started:.0f} s)")
    if args.json:
        from skbuilder.bench.report import as_json

        args.json.write_text(
            json.dumps([json.loads(as_json(r)) for r in results], indent=2), encoding="utf-8"
        )
    return results


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
