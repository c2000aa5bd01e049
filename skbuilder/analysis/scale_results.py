"""An experiment's saved files read back: ``results.json`` and the other inputs of ``scale
report``, through the bounded reader and checked before use. Outside ``analysis.scale`` (whose
package imports torch), so bad input is refused before anything heavy is imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skbuilder.input_file import InputFileError, read_input_file
from skbuilder.text import shown


class ReportError(ValueError):
    """The results or the document cannot be used."""


class ReportFileError(ReportError):
    """A results, memory or document file cannot be read at all (missing, a pipe, ...)."""


#: The layout of ``results.json`` this version writes and reads (1: before the untrained
#: baseline and the positive control).
RESULTS_FORMAT = 2

#: Largest results, memory or document file read.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of the regular file at ``path`` (at most ``MAX_INPUT_BYTES``), through
    the bounded reader; ReportError saying why otherwise."""
    try:
        data = read_input_file(path, MAX_INPUT_BYTES)
    except InputFileError as exc:
        raise ReportFileError(f"{shown(path, 200)}: cannot read the {what}: {exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise ReportError(f"{shown(path, 200)}: over {MAX_INPUT_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{shown(path, 200)}: byte {exc.start} is not UTF-8") from None


def read_json(path: str | Path, what: str) -> Any:
    """The JSON document at ``path``; NaN, Infinity and nesting deeper than the results have
    are refused (ReportError)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not a number JSON allows")

    text = read_text(path, what)
    try:
        data = json.loads(text, parse_constant=refuse)
    except RecursionError:
        raise ReportError(f"{shown(path, 200)}: nested too deeply to be the {what}") from None
    except ValueError as exc:
        raise ReportError(f"{shown(path, 200)}: cannot read the {what}: {exc}") from None
    if _depth(data) > MAX_DEPTH:
        raise ReportError(f"{shown(path, 200)}: nested too deeply to be the {what}")
    return data


#: The results nest a few levels (seeds, rows, units, scales, channels).
MAX_DEPTH = 12


def _depth(data: Any) -> int:
    stack, deepest = [(data, 1)], 0
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            stack.extend((child, level + 1) for child in children)
    return deepest


def load_results(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / "results.json"
    if not path.exists() and not path.is_symlink():
        raise ReportFileError(
            f"{shown(path, 200)}: no such file (run `skbuilder scale experiment` first)"
        )
    data = read_json(path, "results")
    if not isinstance(data, dict) or not isinstance(data.get("seeds"), list) or not data["seeds"]:
        raise ReportError(f"{shown(path, 200)}: not the results of an experiment (no seeds)")
    scales = data.get("config", {}).get("scales") if isinstance(data.get("config"), dict) else None
    if (
        not isinstance(scales, list)
        or not scales
        or not all(isinstance(s, int | float) and not isinstance(s, bool) for s in scales)
        or not all(1 <= s <= 1000 for s in scales)
    ):
        raise ReportError(
            f"{shown(path, 200)}: not the results of an experiment (config.scales must be a "
            "list of object scales, each at least 1)"
        )
    if data.get("format") != RESULTS_FORMAT:
        found = shown(str(data.get("format", 1)), 20)
        raise ReportError(
            f"{shown(path, 200)}: results of another format ({found}; this version reads "
            f"{RESULTS_FORMAT}): rerun `skbuilder scale experiment`"
        )
    return data
