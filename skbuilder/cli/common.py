"""What every subcommand shares: reading the spec argument (with ``--set`` overrides and the
size budget), atomic output files, and errors meant for the user."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from skbuilder.atomic_write import write_atomic
from skbuilder.spec import NetworkSpec, load_spec
from skbuilder.spec.budget import DEFAULT_MAX_MACS, DEFAULT_MAX_PARAMS
from skbuilder.text import human

if TYPE_CHECKING:
    from torch import nn


class CLIError(Exception):
    """A problem with the user's input, printed as one line without a traceback."""


_SUFFIXES = {"K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def count(text: str) -> int | None:
    """``2000000``, ``2M``, ``1.5G`` -> an integer; ``none`` -> no bound."""
    if text.strip().lower() == "none":
        return None
    body, scale = text.strip(), 1
    if body[-1:].upper() in _SUFFIXES:
        body, scale = body[:-1], _SUFFIXES[body[-1].upper()]
    try:
        value = int(float(body) * scale)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"expected a count such as 2000000, 25M, 1.5G or none, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive count, got {text!r}")
    return value


def add_plugin_argument(parser: argparse.ArgumentParser, dest: str = "plugins") -> None:
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        dest=dest,
        help="import a Python module that registers block kinds (repeatable); installed "
        "packages can add kinds through the 'skbuilder.blocks' entry point instead",
    )


def add_spec_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The spec (a file, or a shipped spec's name) plus the options every spec-taking command
    accepts; ``many``: one or more specs, as a list."""
    parser.add_argument(
        "spec",
        nargs="+" if many else None,
        metavar="SPEC",
        help="a YAML spec file, or the name of a shipped spec (`skbuilder list`)",
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


def spec_from_args(args: argparse.Namespace) -> NetworkSpec:
    """The validated spec named on the command line (SpecError on any problem)."""
    return load_spec(
        args.spec,
        overrides=getattr(args, "overrides", ()),
        max_params=getattr(args, "max_params", DEFAULT_MAX_PARAMS),
        max_macs=getattr(args, "max_macs", DEFAULT_MAX_MACS),
    )


def add_input_size_argument(parser: argparse.ArgumentParser, purpose: str = "") -> None:
    parser.add_argument(
        "--input-size",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"square input size{purpose} (default: the spec's input.image_size)",
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
        help="state dict saved from skbuilder (.pt, .pth, .safetensors)",
    )
    weights.add_argument(
        "--timm-weights",
        metavar="FILE",
        help="state dict of the matching timm model (skresnet18, skresnet34, skresnext50_32x4d)",
    )


def load_weights_from_args(model: nn.Module, args: argparse.Namespace) -> str | None:
    """Copy ``--weights``/``--timm-weights`` into ``model``; the file's name, or None."""
    path = args.weights or args.timm_weights
    if not path:
        return None
    from skbuilder.interop.weights import (
        WeightFileError,
        WeightImportError,
        import_timm_state_dict,
        load_state_dict_file,
        load_weights,
    )

    try:
        state = load_state_dict_file(path)
        (load_weights if args.weights else import_timm_state_dict)(model, state)
    except WeightFileError as exc:
        raise CLIError(str(exc)) from None
    except WeightImportError as exc:
        raise CLIError(f"{path}: {exc}") from None
    return Path(path).name


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all; a failure is the user's to fix."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None
