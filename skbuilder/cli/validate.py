"""``skbuilder validate SPEC``: check a spec, print every problem with its place."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import add_spec_argument, spec_from_args
from skbuilder.spec.errors import shown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a spec and report every problem")
    add_spec_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    print(f"{shown(args.spec, 200)}: ok ({spec.name}, {len(spec.stages)} stages)")
    return 0
