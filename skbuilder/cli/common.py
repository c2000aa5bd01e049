"""What every subcommand shares: reading the spec argument, and errors meant for the user."""

from __future__ import annotations

import argparse

from skbuilder.spec import NetworkSpec, load_spec


class CLIError(Exception):
    """A problem with the user's input, printed as one line without a traceback."""


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="path to a YAML network spec")


def spec_from_args(args: argparse.Namespace) -> NetworkSpec:
    """The validated spec named on the command line (SpecError on any problem)."""
    return load_spec(args.spec)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value
