"""``skbuilder list``: the shipped specs, what each reproduces, and its size from the analytic
summary (nothing is built)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from skbuilder.spec.errors import SpecError
from skbuilder.spec.shipped import shipped_specs
from skbuilder.text import human, table


@dataclass(frozen=True)
class Entry:
    """One shipped spec: its name, its ``description``, and its size at its input size."""

    name: str
    description: str
    params: int | None
    macs: int | None
    image_size: int | None
    path: str
    problem: str | None = None


def catalogue() -> list[Entry]:
    """Every shipped spec, by name; a spec that does not load carries its first problem."""
    return [_entry(name, path) for name, path in shipped_specs().items()]


def _entry(name: str, path: Path) -> Entry:
    from skbuilder.analysis.summary import summarize
    from skbuilder.spec.loader import load_spec

    try:
        spec = load_spec(path)
    except SpecError as exc:
        return Entry(name, "", None, None, None, str(path), str(exc.issues[0]))
    summary = summarize(spec)
    description = " ".join((spec.description or "").split())
    return Entry(name, description, summary.params, summary.macs, summary.image_size, str(path))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="the shipped specs: name, what each reproduces, parameters and MACs",
        description="The specs that ship with skbuilder; any command takes their name in place "
        "of a file (skbuilder summary sknet50).",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="default: text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    entries = catalogue()
    if args.format == "json":
        print(json.dumps([asdict(e) for e in entries], indent=2))
    else:
        print(_table(entries))
    return 1 if any(e.problem for e in entries) else 0


def _table(entries: list[Entry]) -> str:
    rows = [
        (
            e.name,
            e.problem or e.description,
            f"{e.params:,}" if e.params is not None else "",
            f"{human(e.macs)} @{e.image_size}" if e.macs is not None else "",
        )
        for e in entries
    ]
    return table(("name", "reproduces", "params", "MACs"), rows, right={2, 3})
