"""``skbuilder schema [-o FILE]``: the JSON Schema of a spec, for editors and other tools.

It prints the file the package ships, so no model is built here."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import write_text_atomic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="write the JSON Schema of a spec file")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of to stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from skbuilder.spec.shipped import shipped_schema_text

    text = shipped_schema_text()
    if args.output:
        write_text_atomic(args.output, text)
    else:
        print(text, end="")
    return 0
