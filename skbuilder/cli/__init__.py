"""The ``skbuilder`` command: one module per subcommand, each with ``register`` and ``run``.

Exit codes: 0 ok; 1 the input (spec, file, option value) is wrong, reported without a
traceback; 2 the command line itself is malformed (argparse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from skbuilder import __version__
from skbuilder.cli import attention, dump, export, render, scale, schema, summary, validate
from skbuilder.cli.common import CLIError
from skbuilder.spec import SpecError

COMMANDS = (validate, summary, render, attention, scale, export, dump, schema)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skbuilder",
        description="Build, check and inspect Selective Kernel Networks from YAML specs.",
    )
    parser.add_argument("--version", action="version", version=f"skbuilder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SpecError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        n = len(exc.issues)
        print(f"skbuilder: {n} problem{'s' if n != 1 else ''} in the spec", file=sys.stderr)
        return 1
    except CLIError as exc:
        print(f"skbuilder: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skbuilder: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
