"""``skbuilder summary SPEC``: per-stage output shapes, parameters and MACs."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import CLIError, add_spec_argument, positive_int, spec_from_args
from skbuilder.summary import summarize


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="per-stage shapes, parameters and MACs (from the spec)")
    add_spec_argument(p)
    p.add_argument(
        "--input-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="square input size (default: the spec's input.image_size)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    if args.input_size is not None:
        problems = spec.rule_violations(image_size=args.input_size)
        if problems:
            raise CLIError(
                f"--input-size {args.input_size}: {problems[0]['msg']}; "
                f"{problems[0]['hint'] or ''}".rstrip("; ")
            )
    print(summarize(spec, args.input_size).table())
    return 0
