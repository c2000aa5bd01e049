"""Peak memory of the scale analysis against the number of images: streaming statistics
(``skbuilder.analysis.scale.analyze_scales``) beside keeping every attention tensor and
averaging at the end (``AttentionCapture`` left open over all forwards).

Each measurement is a fresh process (peak resident set size, ``ru_maxrss``), one torch thread,
random weights and seeded random images made one batch at a time, so inputs never pile up:

    PYTHONPATH=. python benchmarks/scale_memory.py [--spec specs/sknet50.yaml] [--image-size 64]
        [--images 100,1000] [--out out/scale-memory.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"
SCALES = (1.0, 1.5, 2.0)
MODES = ("streaming", "keep_all")


def _images(n: int, size: int, batch: int) -> Iterator[object]:
    import torch

    generator = torch.Generator().manual_seed(0)
    for start in range(0, n, batch):
        yield torch.randn(min(batch, n - start), 3, size, size, generator=generator)


def measure(spec_path: str, size: int, n: int, batch: int, mode: str) -> dict[str, float]:
    """Run one analysis in this process; its peak RSS and time."""
    import torch

    from skbuilder import build_model, load_spec
    from skbuilder.analysis.attention import AttentionCapture
    from skbuilder.analysis.scale import analyze_scales, enlarge

    torch.set_num_threads(1)
    spec = load_spec(spec_path, overrides=[f"input.image_size={size}"])
    model = build_model(spec).eval()
    start = time.perf_counter()
    if mode == "streaming":
        stats = analyze_scales(model, _images(n, size, batch), SCALES)
        checksum = sum(r.difference for r in stats.rows())
    else:  # every tensor kept until the end, as a single AttentionCapture would
        captures = {s: AttentionCapture(model) for s in SCALES}
        with torch.no_grad():
            for x in _images(n, size, batch):
                for s, capture in captures.items():
                    with capture:
                        model(enlarge(x, s))
        checksum = sum(
            float((a[:, -1] - a[:, 0]).mean())
            for c in captures.values()
            for a in c.attention.values()
        )
    return {
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": time.perf_counter() - start,
        "checksum": checksum,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(SPECS / "sknet50.yaml"))
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--images", default="100,1000", help="comma-separated image counts")
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--out", help="JSON file for `skbuilder scale report --memory`")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = [int(n) for n in args.images.split(",")]
    if args.child:
        print(json.dumps(measure(args.spec, args.image_size, counts[0], args.batch, args.child)))
        return

    runs = []
    for n in counts:
        row: dict[str, float] = {"images": n}
        for mode in MODES:
            command = [
                sys.executable, __file__, "--child", mode, "--spec", args.spec,
                "--image-size", str(args.image_size), "--images", str(n),
                "--batch", str(args.batch),
            ]  # fmt: skip
            result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
            row[f"{mode}_mib"] = round(result["peak_mib"], 1)
            row[f"{mode}_seconds"] = round(result["seconds"], 1)
            print(f"{n:5d} images, {mode:9s}: peak {result['peak_mib']:7.1f} MiB, "
                  f"{result['seconds']:6.1f} s", flush=True)  # fmt: skip
        runs.append(row)
    report = {
        "spec": Path(args.spec).stem,
        "image_size": args.image_size,
        "batch": args.batch,
        "scales": list(SCALES),
        "runs": runs,
    }
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
