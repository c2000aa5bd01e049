"""The parity table of docs/weights.md, rendered from the results file that
``benchmarks/timm_parity.py --write`` records (torch-free: the doc test reads it anywhere)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "weights.md"
RESULTS = ROOT / "docs" / "results" / "weights-parity.json"
BEGIN = "<!-- parity: docs/results/weights-parity.json -->"
END = "<!-- /parity -->"


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def render_table(results: dict[str, Any]) -> str:
    """A markdown table: one line per pairing, the difference at each size."""
    sizes = results["inputs"]["sizes"]
    by_pairing: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in results["rows"]:
        by_pairing.setdefault((row["library"], row["model"], row["spec"]), []).append(row)
    versions = results["versions"]
    lines = [
        f"Measured at commit `{results['commit'][:12]}` with torch {versions['torch']}, "
        f"torchvision {versions['torchvision']}, timm {versions['timm']} (CPU, one thread), "
        f"batch {results['inputs']['batch']}, eval mode, by `{results['command']}`. "
        "Each cell: max |ours - theirs| / max |theirs|.",
        "",
        "| reference | spec | parameters (theirs = ours) | "
        + " | ".join(f"{s}x{s}" for s in sizes)
        + " |",
        "|---|---|---|" + "---|" * len(sizes),
    ]
    for (library, model, spec), rows in by_pairing.items():
        counts = {(r["reference_params"], r["our_params"]) for r in rows}
        (theirs, ours), *_ = counts
        count = f"{theirs:,}" if theirs == ours and len(counts) == 1 else f"{theirs:,} ≠ {ours:,}"
        cells = []
        for size in sizes:
            row = next(r for r in rows if r["image_size"] == size)
            relative = row["max_abs_diff"] / row["max_abs_out"]
            cells.append("0" if relative == 0 else f"{relative:.1e}")
        lines.append(f"| {library} `{model}` | `{spec}` | {count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def doc_block(results: dict[str, Any]) -> str:
    return f"{BEGIN}\n{render_table(results)}\n{END}"


def shown_block(doc: Path = DOC) -> str | None:
    """The parity block the page shows now."""
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), doc.read_text("utf-8"), re.S)
    return match.group(0) if match else None


def rewrite_doc(results: dict[str, Any], doc: Path = DOC) -> None:
    """Put the table rendered from ``results`` in place of the page's parity block."""
    text = doc.read_text(encoding="utf-8")
    old = shown_block(doc)
    if old is None:
        raise ValueError(f"{doc}: no {BEGIN} ... {END} block")
    doc.write_text(text.replace(old, doc_block(results)), encoding="utf-8")
