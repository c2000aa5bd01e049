"""``skbuilder validate SPEC...``: check specs, print every problem with its place.

One line per spec that passes (stdout) and per problem (stderr, ``FILE:LINE:COL: spec.path:
message; hint``); the status is 3 when a spec file cannot be read, else 1 when any spec has a
problem. ``--format json`` prints the same as one JSON document on stdout, for editors and CI.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from skbuilder.cli.common import EXIT_FILE, EXIT_PROBLEM, add_spec_argument
from skbuilder.spec.errors import SpecError, SpecFileError, SpecIssue, issue_json, shown

#: Problems printed per spec; the rest are counted.
MAX_ISSUES_SHOWN = 200


@dataclass(frozen=True)
class Checked:
    """One spec argument: what it named and, if it loaded, its name and number of stages."""

    spec: str
    name: str | None = None
    stages: int | None = None
    issues: tuple[SpecIssue, ...] = ()
    unreadable: bool = False  # the file itself could not be read


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check specs and report every problem",
        description="Check each spec (files or shipped names, e.g. specs/*.yaml) and report "
        "every problem; exit status 1 when any spec has one.",
    )
    add_spec_argument(p, many=True)
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one line per spec or problem (default); json: one document on stdout",
    )
    p.set_defaults(run=run)


def check(ref: str, args: argparse.Namespace) -> Checked:
    """Load one spec with the command's options; its problems instead of an exception."""
    from skbuilder.cli.common import spec_from_args

    try:
        spec = spec_from_args(argparse.Namespace(**{**vars(args), "spec": ref}))
    except SpecError as exc:
        return Checked(ref, issues=exc.issues, unreadable=isinstance(exc, SpecFileError))
    return Checked(ref, spec.name, len(spec.stages))


def run(args: argparse.Namespace) -> int:
    results = [check(ref, args) for ref in args.spec]
    if args.format == "json":
        print(json.dumps(as_json(results), indent=2))
    else:
        for result in results:
            _print_text(result)
        _print_tally(results)
    if any(r.unreadable for r in results):
        return EXIT_FILE
    return EXIT_PROBLEM if any(r.issues for r in results) else 0


def as_json(results: list[Checked]) -> dict[str, Any]:
    return {
        "ok": not any(r.issues for r in results),
        "specs": [
            {
                "spec": r.spec,
                "ok": not r.issues,
                "name": r.name,
                "stages": r.stages,
                "problems": [issue_json(i) for i in r.issues],
            }
            for r in results
        ],
    }


def _print_text(result: Checked) -> None:
    if not result.issues:
        print(f"{shown(result.spec, 200)}: ok ({result.name}, {result.stages} stages)", flush=True)
        return
    for issue in result.issues[:MAX_ISSUES_SHOWN]:
        print(issue, file=sys.stderr, flush=True)
    if len(result.issues) > MAX_ISSUES_SHOWN:
        print(f"... and {len(result.issues) - MAX_ISSUES_SHOWN} more", file=sys.stderr)


def _print_tally(results: list[Checked]) -> None:
    """How many problems in how many specs, and how many specs could not be read at all."""
    failed = [r for r in results if r.issues and not r.unreadable]
    unread = sum(r.unreadable for r in results)
    parts = []
    if failed:
        n = sum(len(r.issues) for r in failed)
        problems = f"{n} problem{'s' if n != 1 else ''}"
        where = "the spec" if len(results) == 1 else f"{len(failed)} of {len(results)} specs"
        parts.append(f"{problems} in {where}")
    if unread and len(results) > 1:
        parts.append(f"{unread} spec{'s' if unread != 1 else ''} could not be read")
    if parts:
        print(f"skbuilder: {'; '.join(parts)}", file=sys.stderr)
