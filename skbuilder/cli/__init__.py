"""The ``skbuilder`` command: one module per subcommand, each with ``register`` and ``run``.

Exit statuses (listed in ``docs/errors.md``): 0 ok; 1 the spec has problems, or the network
cannot do what was asked of it; 2 the command line is malformed or an option is out of range;
3 a file cannot be read or written; 4 an optional package is missing; 130 interrupted; 141 the
reader of the output went away (``skbuilder ... | head``). No status comes with a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from skbuilder import __version__
from skbuilder.atomic_write import OutputFileError
from skbuilder.cli import (
    attention,
    bench,
    catalogue,
    dump,
    export,
    render,
    scale,
    schema,
    serve,
    summary,
    validate,
)
from skbuilder.cli.common import (
    EXIT_FILE,
    EXIT_PROBLEM,
    ArgumentParser,
    CLIError,
    OutputStreamError,
    add_plugin_argument,
    add_plugin_everywhere,
    guarded_stdout,
    load_plugins,
    report_plugin_problems,
)
from skbuilder.plugins import KindError
from skbuilder.spec.errors import SpecError, SpecFileError, shown
from skbuilder.torch_cache import use_private_compile_cache

COMMANDS = (
    catalogue,
    validate,
    summary,
    render,
    attention,
    scale,
    export,
    bench,
    dump,
    schema,
    serve,
)
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
MAX_ISSUES_SHOWN = 200


def make_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="skbuilder",
        description="Build, check and inspect Selective Kernel Networks from YAML specs.",
    )
    parser.add_argument("--version", action="version", version=f"skbuilder {__version__}")
    add_plugin_argument(parser, dest="global_plugins")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    add_plugin_everywhere(parser)
    return parser


def _say(message: str) -> None:
    """One error for the user on stderr, each line shown safely."""
    lines = [shown(line, 500) for line in message.splitlines()[:50]] or [""]
    print("skbuilder: " + "\n".join(lines), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    use_private_compile_cache()
    with guarded_stdout():
        try:
            return _run(make_parser().parse_args(argv))
        except SystemExit:  # argparse: --help, --version, usage errors
            if (status := _flushed()) is not None:
                return status
            raise
        except BrokenPipeError:
            _silence_stdout()
            return EXIT_BROKEN_PIPE


def _flushed() -> int | None:
    """Flush stdout; the status to end with when it cannot be written (stdout silenced)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OutputStreamError as exc:
        _silence_stdout()
        _say(str(exc))
        return EXIT_FILE
    return None


def _run(args: argparse.Namespace) -> int:
    try:
        load_plugins([*args.global_plugins, *getattr(args, "plugins", [])])
        status = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except SpecError as exc:
        for issue in exc.issues[:MAX_ISSUES_SHOWN]:
            print(issue, file=sys.stderr)
        if len(exc.issues) > MAX_ISSUES_SHOWN:
            print(f"... and {len(exc.issues) - MAX_ISSUES_SHOWN} more", file=sys.stderr)
        if isinstance(exc, SpecFileError):
            return EXIT_FILE
        n = len(exc.issues)
        print(f"skbuilder: {n} problem{'s' if n != 1 else ''} in the spec", file=sys.stderr)
        return EXIT_PROBLEM
    except OutputStreamError as exc:
        _silence_stdout()
        _say(str(exc))
        return EXIT_FILE
    except OutputFileError as exc:
        _say(str(exc))
        return EXIT_FILE
    except KindError as exc:  # a block kind from a plugin failed where the spec could not say
        _say(str(exc))
        return EXIT_PROBLEM
    except CLIError as exc:
        _say(str(exc))
        return exc.exit_code

    except KeyboardInterrupt:
        print("skbuilder: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        report_plugin_problems()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush into the closed pipe does
    not print an 'Exception ignored' message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
