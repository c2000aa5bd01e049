"""Every timm/torchvision pairing (``skbuilder.interop.weights.references.PAIRINGS``): parameter
counts and the largest output difference after importing the reference's random weights (random
BatchNorm statistics, eval mode), at each input size.

Run where timm and torchvision are installed, from the repository root:
    python benchmarks/timm_parity.py                    # print the table
    python benchmarks/timm_parity.py --write            # also record docs/results/... and the doc
    python benchmarks/timm_parity.py --only sknet50     # the pairings of some specs or models

``--write`` records the results (with the commit, the versions and the inputs) in
``docs/results/weights-parity.json`` and rewrites the table of docs/weights.md from it;
tests/test_weights_parity_doc.py checks that the page shows that file and that the file still
lists every pairing with the parameter counts the specs give.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.parity_doc import (  # noqa: E402
    DOC,
    RESULTS,
    render_table,
    rewrite_doc,
)
from skbuilder import progress  # noqa: E402
from skbuilder.interop.weights.parity import measure  # noqa: E402
from skbuilder.interop.weights.references import PAIRINGS  # noqa: E402
from skbuilder.nn.threads import torch_threads  # noqa: E402
from skbuilder.provenance import commit  # noqa: E402


def main() -> None:
    import timm
    import torchvision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 97, 224])
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="spec or model names")
    parser.add_argument("--write", action="store_true", help=f"record {RESULTS.name}, {DOC.name}")
    args = parser.parse_args()
    chosen = [p for p in PAIRINGS if not args.only or {p.spec, p.model} & set(args.only)]
    if args.write and len(chosen) != len(PAIRINGS):
        parser.error("--write records every pairing; drop --only")
    rows = []
    with torch_threads(1):
        for pairing in progress.bar(chosen, desc="pairings", unit="model"):
            for row in measure(pairing, tuple(args.sizes), batch=args.batch):
                rows.append(
                    {
                        "library": pairing.library,
                        "model": pairing.model,
                        "spec": pairing.spec,
                        "image_size": row.image_size,
                        "reference_params": row.reference_params,
                        "our_params": row.our_params,
                        "max_abs_out": row.max_abs_out,
                        "max_abs_diff": row.max_abs_diff,
                    }
                )
    results = {
        "commit": commit(ROOT),
        "command": "python benchmarks/timm_parity.py --write",
        "versions": {
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "timm": timm.__version__,
        },
        "inputs": {"sizes": args.sizes, "batch": args.batch, "mode": "eval", "seed": 0},
        "rows": rows,
    }
    print(render_table(results))
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        rewrite_doc(results)
        print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
