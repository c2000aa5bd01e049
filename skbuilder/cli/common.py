"""What every subcommand shares: reading the spec argument (with ``--set`` overrides and the
size budget), bounded option values, input and output files, and errors meant for the user.

Exit statuses (``docs/errors.md``): 0 ok; 1 the spec has problems, or the network cannot do
what was asked of it; 2 the command line is malformed or an option is out of its range;
3 a file cannot be read or written; 4 an optional package the command needs is missing;
130 interrupted; 141 the reader of the output went away (``| head``).
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from skbuilder.atomic_write import check_output_path, write_atomic
from skbuilder.input_file import InputFileError, check_input_file, reason
from skbuilder.spec.limits import (
    DEFAULT_MAX_MACS,
    DEFAULT_MAX_MEMORY,
    DEFAULT_MAX_PARAMS,
    MAX_IMAGE_SIZE,
)
from skbuilder.text import human, shown

if TYPE_CHECKING:
    from torch import nn

    from skbuilder.spec.schema import NetworkSpec

EXIT_PROBLEM, EXIT_USAGE, EXIT_FILE, EXIT_PACKAGE = 1, 2, 3, 4


class CLIError(Exception):
    """A problem with the user's input, printed without a traceback; exits with status 1."""

    exit_code = EXIT_PROBLEM


class FileProblem(CLIError):
    """An input file cannot be read (missing, a directory, a pipe, a device...)."""

    exit_code = EXIT_FILE


class MissingPackage(CLIError):
    """An optional package the command needs is not installed."""

    exit_code = EXIT_PACKAGE


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose error messages echo the user's words safely (truncated,
    control characters escaped), and which takes options anywhere among the positional
    arguments (``validate a.yaml --format json b.yaml``)."""

    _intermixing = False

    def error(self, message: str) -> NoReturn:
        super().error(shown(message, 300))

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """argparse's intermixed parsing for a parser without subcommands (argparse itself
        refuses it there); a parser with subcommands hands its words to the subcommand's."""
        words = sys.argv[1:] if args is None else list(args)
        chooses = any(
            isinstance(a, argparse._SubParsersAction) for a in self._get_positional_actions()
        )
        # after `--` every word is positional; Python < 3.12 drops the `--` when intermixing
        if chooses or self._intermixing or "--" in words:
            return super().parse_known_args(words, namespace)
        self._intermixing = True
        try:
            return super().parse_known_intermixed_args(words, namespace)
        finally:
            self._intermixing = False


# -- bounded option values ------------------------------------------------------------------

_SUFFIXES = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_COUNT = re.compile(r"[0-9]{1,19}(\.[0-9]{0,19})?([eE]\+?[0-9]{1,2})?")
MAX_COUNT = 10**18
MAX_SEED = 2**63 - 1


#: ``--input-size`` takes what ``input.image_size`` may be in a spec.
MAX_INPUT_SIZE = MAX_IMAGE_SIZE
MAX_BATCH = 1024
MAX_THREADS = 256


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a decimal integer from ``low`` to ``high``. Anything else is a usage
    error (status 2); no text makes Python convert a huge number."""

    def parse(text: str) -> int:
        body = text.strip()
        if not re.fullmatch(r"[-+]?[0-9]+", body, flags=re.ASCII):
            raise argparse.ArgumentTypeError(
                f"expected an integer from {low} to {high:,}, got '{shown(text, 40)}'"
            )
        digits = body.lstrip("+-").lstrip("0")
        if len(digits) > len(str(max(abs(low), abs(high)))) or not low <= int(body) <= high:
            raise argparse.ArgumentTypeError(
                f"must be from {low} to {high:,}, got {shown(body, 40)}"
            )
        return int(body)

    parse.__name__ = "integer"
    return parse


def count(text: str) -> int | None:
    """``2000000``, ``2M``, ``1.5G`` -> an integer (at most ``MAX_COUNT``); ``none`` -> no
    bound."""
    if text.strip().lower() == "none":
        return None
    body, scale = text.strip(), 1
    if body[-1:].upper() in _SUFFIXES:
        body, scale = body[:-1], _SUFFIXES[body[-1].upper()]
    if not _COUNT.fullmatch(body):
        raise argparse.ArgumentTypeError(
            f"expected a count such as 2000000, 25M, 1.5G or none, got '{shown(text, 40)}'"
        )
    value = int(float(body) * scale)
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(
            f"expected a count from 1 to 10^18 (or none), got '{shown(text, 40)}'"
        )
    return value


def stage_ref(text: str) -> str | int:
    """``--stage``: a 0-based stage index (ASCII digits) or a stage name."""
    if text.isascii() and text.isdigit():
        return bounded_int(0, 63)(text)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", text):
        raise argparse.ArgumentTypeError(f"expected a stage name or index, got '{shown(text, 40)}'")
    return text


def add_plugin_argument(parser: argparse.ArgumentParser, dest: str = "plugins") -> None:
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE|FILE.py",
        dest=dest,
        help="load block kinds from a module (by name, from sys.path) or from a .py file (by "
        "path; the current folder is not searched); repeatable. Installed packages add kinds "
        "through the 'skbuilder.blocks' entry point",
    )


def add_spec_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The spec (a file, or a shipped spec's name) plus the options every spec-taking command
    accepts; ``many``: one or more specs, as a list."""
    parser.add_argument(
        "spec",
        nargs="+" if many else None,
        metavar="SPEC",
        help="a YAML spec file, the name of a shipped spec (`skbuilder list`), or the folder "
        "of a saved model (config.json + model.safetensors)",
    )
    add_plugin_argument(parser)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        dest="overrides",
        help="override a value, e.g. --set stages.2.depth=8 (VALUE is YAML; repeatable)",
    )
    parser.add_argument(
        "--max-params",
        type=count,
        default=DEFAULT_MAX_PARAMS,
        metavar="N",
        help=f"refuse a model with more parameters (default {human(DEFAULT_MAX_PARAMS)}; none)",
    )
    parser.add_argument(
        "--max-macs",
        type=count,
        default=DEFAULT_MAX_MACS,
        metavar="N",
        help=f"refuse a model with more MACs per image (default {human(DEFAULT_MAX_MACS)}; none)",
    )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The bound on memory of commands that run the network."""
    parser.add_argument(
        "--max-memory",
        type=count,
        default=DEFAULT_MAX_MEMORY,
        metavar="BYTES",
        help="refuse to run when weights and activations could need more bytes "
        f"(default {human(DEFAULT_MAX_MEMORY)}; none)",
    )


def check_run(spec: NetworkSpec, size: int, batch: int, args: argparse.Namespace) -> None:
    """Refuse, before anything is built, a run whose memory would pass ``--max-memory``, and
    input files that cannot be read (``--image``, ``--weights``)."""
    from skbuilder.spec.budget import memory_problem

    if problem := memory_problem(spec, size, batch, args.max_memory):
        raise CLIError(problem)
    for option in ("image", "weights", "timm_weights", "torchvision_weights"):
        if path := getattr(args, option, None):
            checked_input(path, "--" + option.replace("_", "-"))


def checked_input(path: str, option: str) -> Path:
    """``path`` when it is a readable regular file; FileProblem (status 3) otherwise."""
    try:
        return check_input_file(path)
    except InputFileError as exc:
        raise FileProblem(f"{option} {shown(path, 200)}: {exc}") from None


def require_package(module: str, install: str) -> None:
    """MissingPackage (status 4) unless ``module`` imports."""
    try:
        importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise MissingPackage(f"this needs the {package} package: {install}") from None


def spec_from_args(args: argparse.Namespace) -> NetworkSpec:
    """The validated spec named on the command line (SpecError on any problem). A saved
    model's folder (``skbuilder.save_model``) gives its spec, and ``args.model_folder`` is set
    so that the commands that build the model load its weights."""
    spec, folder = read_spec_argument(
        args.spec,
        overrides=getattr(args, "overrides", ()),
        max_params=getattr(args, "max_params", DEFAULT_MAX_PARAMS),
        max_macs=getattr(args, "max_macs", DEFAULT_MAX_MACS),
    )
    args.model_folder = folder
    return spec


def read_spec_argument(
    text: str,
    *,
    overrides: Iterable[str] = (),
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
) -> tuple[NetworkSpec, Path | None]:
    """A spec file, a shipped spec's name, or a saved model's folder: the spec, and the folder
    when it was one."""
    from skbuilder.spec.model_files import is_model_folder
    from skbuilder.spec.model_folder import ModelFolderError, read_model_config

    if not is_model_folder(text):
        from skbuilder.spec.loader import load_spec

        return load_spec(text, overrides=overrides, max_params=max_params, max_macs=max_macs), None
    try:
        config = read_model_config(
            text, overrides=overrides, max_params=max_params, max_macs=max_macs
        )
    except ModelFolderError as exc:
        raise CLIError(str(exc)) from None
    return config.spec, Path(text)


def add_input_size_argument(
    parser: argparse.ArgumentParser, purpose: str = "", *, aliases: tuple[str, ...] = ()
) -> None:
    parser.add_argument(
        "--input-size",
        *aliases,
        dest="input_size",
        type=bounded_int(1, MAX_INPUT_SIZE),
        default=None,
        metavar="N",
        help=f"square input size{purpose}, 1 to {MAX_INPUT_SIZE} "
        "(default: the spec's input.image_size)",
    )


def add_threads_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--threads N``: torch's intra-op threads, set deliberately (default 1: on a busy machine
    more threads can be far slower)."""
    parser.add_argument(
        "--threads", type=bounded_int(1, MAX_THREADS), default=1, metavar="N", help=help
    )


def image_size_from_args(spec: NetworkSpec, args: argparse.Namespace) -> int:
    """``--input-size`` (or the spec's ``input.image_size``), refused when a stage would
    collapse below one pixel at that size."""
    size = getattr(args, "input_size", None) or spec.input.image_size
    if problem := spec.input_size_problem(size):
        raise CLIError(f"--input-size {size}: {problem}")
    return size


def add_weights_arguments(parser: argparse.ArgumentParser) -> None:
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument(
        "--weights",
        metavar="FILE",
        help="state dict saved from skbuilder (.pt, .pth, .safetensors); a saved model's "
        "folder given as SPEC brings its own",
    )
    weights.add_argument(
        "--timm-weights",
        metavar="FILE",
        help="state dict of the matching timm model (see docs/weights.md for the pairings)",
    )
    weights.add_argument(
        "--torchvision-weights",
        metavar="FILE",
        help="state dict of the matching torchvision model (resnext50_32x4d, "
        "shufflenet_v2_x0_5, shufflenet_v2_x1_0)",
    )


def load_weights_from_args(model: nn.Module, args: argparse.Namespace) -> str | None:
    """Copy ``--weights``/``--timm-weights``/``--torchvision-weights`` into ``model``, or the
    weights of the saved model given as SPEC; the file's (or folder's) name, or None."""
    path = args.weights or args.timm_weights or getattr(args, "torchvision_weights", None)
    folder = getattr(args, "model_folder", None)
    if not path and folder is None:
        return None
    from skbuilder.interop.weights import (
        WeightFileError,
        WeightImportError,
        import_timm_state_dict,
        import_torchvision_state_dict,
        load_state_dict_file,
        load_weights,
    )
    from skbuilder.interop.weights.model_folder import ModelFolderError, load_folder_weights

    try:
        if not path:
            assert folder is not None
            load_folder_weights(model, folder)
            return Path(folder).name
        state = load_state_dict_file(path)
        if args.weights:
            load_weights(model, state)
        elif args.timm_weights:
            import_timm_state_dict(model, state)
        else:
            import_torchvision_state_dict(model, state)
    except (WeightFileError, ModelFolderError) as exc:
        raise CLIError(str(exc)) from None
    except WeightImportError as exc:
        raise CLIError(f"{path}: {exc}") from None
    return Path(path).name


def output_path(text: str, suffixes: tuple[str, ...]) -> Path:
    """``-o`` checked before any work: a known suffix, and a place where a regular file may be
    written (status 3 otherwise; see ``atomic_write.check_output_path``)."""
    path = Path(text)
    check_output_path(text)  # a folder's name (m.onnx/) is refused before its suffix is read
    if path.suffix.lower() not in suffixes:
        raise CLIError(
            f"-o {shown(text, 200)}: unknown format; use a name ending in {' or '.join(suffixes)}"
        )
    check_output_path(path)
    return path


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (OutputFileError, status 3, otherwise)."""
    write_atomic(path, text)


# -- plugins and standard output ------------------------------------------------------------


def add_plugin_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--plugin`` on every command that has no subcommands of its own (``list``, ``schema``,
    ``scale experiment``, ...), beside those whose spec argument already takes it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in {id(p): p for p in action.choices.values()}.values():
                add_plugin_everywhere(child)
            return
    if "--plugin" not in parser._option_string_actions:
        add_plugin_argument(parser)


def load_plugins(sources: list[str]) -> None:
    """Load each ``--plugin`` (the block registry only when there is one); CLIError naming
    the plugin when it fails in any way."""
    if not sources:
        return
    from skbuilder.blocks.registry import load_plugin
    from skbuilder.plugins import PluginError, PluginFileError

    try:
        for source in sources:
            load_plugin(source)
    except PluginFileError as exc:
        raise FileProblem(str(exc)) from None
    except PluginError as exc:
        raise CLIError(str(exc)) from None
    finally:
        report_plugin_problems()


def report_plugin_problems() -> None:
    """Warn on stderr, once each, of installed packages skipped and built-in kinds replaced."""
    from skbuilder import plugins

    for problem in plugins.take_problems():
        warn(problem)


def warn(message: str) -> None:
    print(f"skbuilder: warning: {shown(message, 500)}", file=sys.stderr)


class OutputStreamError(OSError):
    """Standard output cannot be written (closed, a full disk, an I/O error): status 3."""


class StdoutGuard(io.TextIOBase):
    """Standard output whose write errors (but a reader gone away, ``BrokenPipeError``) become
    one ``OutputStreamError``; a closed standard output (``None``) is one too. The first error
    is kept, since argparse swallows the errors of its own writes."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.error: OutputStreamError | None = None

    def _fail(self, why: str) -> OutputStreamError:
        self.error = self.error or OutputStreamError(f"cannot write to standard output: {why}")
        return self.error

    def write(self, text: str) -> int:
        if self.stream is None:
            raise self._fail("it is closed")
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:
            raise self._fail(_why(exc)) from None

    def flush(self) -> None:
        if self.error is not None:
            raise self.error
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:
            raise self._fail(_why(exc)) from None

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def fileno(self) -> int:
        if self.stream is None:
            raise self._fail("it is closed")
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return reason(exc)
    return "it is closed"


@contextmanager
def guarded_stdout() -> Iterator[StdoutGuard]:
    """``sys.stdout`` behind a ``StdoutGuard`` for the duration of a command."""
    real = sys.stdout
    guard = StdoutGuard(real)
    sys.stdout = guard
    try:
        yield guard
    finally:
        sys.stdout = real
