"""``skbuilder dump SPEC``: the resolved, canonical spec (extends and --set applied, every
default written out); loading the output gives the same spec."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import add_spec_argument, spec_from_args, write_text_atomic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dump", help="print the resolved spec with every default written out")
    add_spec_argument(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of to stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from skbuilder.spec.dump import dump_spec

    text = dump_spec(spec_from_args(args))
    if args.output:
        write_text_atomic(args.output, text)
    else:
        print(text, end="")
    return 0
