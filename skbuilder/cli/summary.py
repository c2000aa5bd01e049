"""``skbuilder summary SPEC``: per-stage output shapes, parameters and MACs."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import (
    add_input_size_argument,
    add_spec_argument,
    image_size_from_args,
    spec_from_args,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="per-stage shapes, parameters and MACs (from the spec)")
    add_spec_argument(p)
    add_input_size_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    from skbuilder.analysis.summary import summarize

    print(summarize(spec, image_size_from_args(spec, args)).table())
    return 0
