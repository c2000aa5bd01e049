"""The ``skbuilder`` command: one module per subcommand, each with ``register`` and ``run``.

Exit codes: 0 ok; 1 the input (spec, file, option value) is wrong, reported without a
traceback; 2 the command line itself is malformed (argparse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from skbuilder import __version__
from skbuilder.blocks.registry import PluginError, load_plugin
from skbuilder.cli import attention, catalogue, dump, export, render, schema, summary, validate
from skbuilder.cli.common import CLIError, add_plugin_argument
from skbuilder.spec import SpecError

COMMANDS = (catalogue, validate, summary, render, attention, export, dump, schema)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skbuilder",
        description="Build, check and inspect Selective Kernel Networks from YAML specs.",
    )
    parser.add_argument("--version", action="version", version=f"skbuilder {__version__}")
    add_plugin_argument(parser, dest="global_plugins")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        for module in [*args.global_plugins, *getattr(args, "plugins", [])]:
            load_plugin(module)
        return int(args.run(args))
    except SpecError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        n = len(exc.issues)
        print(f"skbuilder: {n} problem{'s' if n != 1 else ''} in the spec", file=sys.stderr)
        return 1
    except (CLIError, PluginError) as exc:
        print(f"skbuilder: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skbuilder: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
