"""Pydantic errors -> messages a person can act on, with hints for YAML 1.1's surprises.

PyYAML reads ``no``/``off``/``yes`` as booleans and ``1e-3`` (no dot) as a string; the schema is
strict, so such values are refused. The message says what YAML made of what was written and how
to write what was meant.
"""

from __future__ import annotations

import difflib
import math
import typing
from typing import Any

from skbuilder.spec.errors import VISIBLE_TEXT
from skbuilder.spec.errors import shown as safe

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
}

_BOUNDS = {
    "greater_than_equal": ("ge", "at least {}"),
    "greater_than": ("gt", "greater than {}"),
    "less_than_equal": ("le", "at most {}"),
    "less_than": ("lt", "less than {}"),
}


def yaml_word(value: Any) -> str:
    """A value as YAML writes it (``false``, ``null``, ``'text'``, ``3``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number_text(text: str) -> int | float | None:
    """The number a string spells in Python's terms (``1e-3``, ``0o17``, ``0x1F``), or None."""
    if len(text) > 40:
        return None
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def yaml_hint(expected: str, value: Any, raw: tuple[str, str | None] | None) -> str | None:
    """How to write ``expected`` when YAML read ``raw`` (text, quoting style) as ``value``."""
    text, style = raw if raw else (None, None)
    written = safe(text, 40) if text else ""
    quoted = style in ("'", '"')
    if value is None:
        return f"the value is empty (YAML null); write {expected}"
    if isinstance(value, dict) and expected == "a list":
        return (
            "write the items as a list (`- ...`); to change one item of a base spec's list, "
            "name it: `- {name: conv4, depth: 8}`"
        )
    if isinstance(value, bool) and expected in ("an integer", "a number") and text:
        return f"YAML reads `{written}` as the boolean {yaml_word(value)}; write a number"
    if not isinstance(value, str) and expected == "a string" and text:
        return f"YAML reads `{written}` as {yaml_word(value)}; quote it: '{written}'"
    if isinstance(value, str) and expected in ("an integer", "a number"):
        number = _number_text(value)
        if number is None:
            return None
        if quoted:
            return "remove the quotes: quoted values are strings"
        if isinstance(number, int) or (expected == "an integer" and number.is_integer()):
            return f"YAML 1.1 reads `{written}` as a string; write {int(number)}"
        why = "" if "." in value else " (a float needs a dot)"
        return f"YAML 1.1 reads `{written}` as a string{why}; write {number!r}"
    if isinstance(value, float) and expected == "an integer" and value.is_integer():
        return f"write {int(value)}"
    if isinstance(value, str) and expected == "true or false":
        return "write true or false" + (" without quotes" if quoted else "")
    return None


def literal_choices(annotation: Any) -> tuple[Any, ...]:
    """The allowed values of a ``Literal[...]`` (possibly optional) annotation."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    for arg in typing.get_args(annotation):
        found = literal_choices(arg)
        if found:
            return found
    return ()


def close_match(word: Any, choices: typing.Iterable[Any]) -> str | None:
    """``did you mean `x`?`` for the closest of ``choices``, if any is close."""
    if not isinstance(word, str) or len(word) > 100:
        return None
    names = [str(c) for c in choices]
    same_case = [n for n in names if n.lower() == word.lower()]
    close = same_case or difflib.get_close_matches(word, names, n=1)
    return f"did you mean `{close[0]}`?" if close else None


def describe(
    err: dict[str, Any], raw: tuple[str, str | None] | None, choices: tuple[Any, ...] = ()
) -> tuple[str, str | None]:
    """(message, hint) for one pydantic error (not ``missing``/``extra_forbidden``)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = (
        f"`{safe(raw[0], 40)}`"
        if raw and raw[0] and not isinstance(value, str)
        else yaml_word(value)
    )
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        return f"expected {expected}, got {shown}", yaml_hint(expected, value, raw)
    if kind in _BOUNDS:
        key, text = _BOUNDS[kind]
        return f"must be {text.format(ctx[key])}, got {shown}", None
    if kind in ("too_short", "too_long"):
        word = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        unit = "item" if ctx.get("field_type") == "List" else "value"
        plural = "s" if limit != 1 else ""
        return f"needs {word} {limit} {unit}{plural}, got {ctx.get('actual_length')}", None
    if kind in ("string_too_short", "string_too_long"):
        word = "at least" if kind == "string_too_short" else "at most"
        limit = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        return f"must be {word} {limit} characters long", None
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == VISIBLE_TEXT:
        return (
            f"{shown} holds control or invisible characters",
            "a name is printed and used in file names; use visible characters only",
        )
    if kind == "string_pattern_mismatch":
        return (
            f"{shown} is not a valid name",
            "use letters, digits and _, not starting with a digit",
        )
    if kind == "literal_error":
        allowed = ", ".join(yaml_word(c) for c in choices) or ctx.get("expected", "")
        hint = close_match(value, choices) or yaml_hint("a number", value, raw)
        return f"must be one of {allowed}, got {shown}", hint
    if kind in (
        "odd_kernel",
        "m_kernels_mismatch",
        "unknown_block",
        "kernels_and_branches",
        "branch_count",
    ):
        message, _, hint = err["msg"].partition("; did you mean ")
        return message, f"did you mean {hint}" if hint else None
    return f"{err['msg']} (got {shown})", None
