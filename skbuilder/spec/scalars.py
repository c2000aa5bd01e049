"""One reader for every YAML scalar, value or key: text + tag -> plain data, or a problem.

PyYAML's own constructors raise bare ``KeyError``/``AttributeError`` on malformed tagged
values (``!!bool maybe``, ``!!timestamp hello``) and follow YAML 1.1 where it differs from
YAML 1.2 and from what a reader expects. Here every form has one meaning, the same in a file,
a key or a ``--set`` value:

- integers are decimal: ``8``, ``-3``, ``+1``. YAML 1.1's other forms are refused with a hint:
  ``010`` (octal 8 in YAML 1.1, 10 in YAML 1.2), ``1:04`` (base 60: 64), ``1_000``, ``0x1F``,
  ``0b101``, ``0o17``;
- floats need a dot: ``0.5``, ``.5``, ``1.``, ``2.5e-3`` (YAML 1.1 reads ``1e-3`` as text);
  ``1_000.5`` and ``1:30.5`` are refused; ``.inf`` and ``.nan`` are floats;
- booleans are YAML 1.1's (``true``/``false``, ``yes``/``no``, ``on``/``off``); nulls are
  ``null``, ``~`` or nothing; dates must be valid dates.

An integer is at most ``MAX_DIGITS`` digits long, so no text makes Python convert a huge number.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from skbuilder.text import shown

TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
#: Digits an integer may have (far above any bound in the schema).
MAX_DIGITS = 30

_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
)
_INFINITY = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_LEADING_ZERO = re.compile(r"[-+]?0[0-7_]+")
_BASES = (
    (re.compile(r"[-+]?0x[0-9a-fA-F_]+"), 16, "hexadecimal"),
    (re.compile(r"[-+]?0o[0-7_]+"), 8, "octal"),
    (re.compile(r"[-+]?0b[01_]+"), 2, "binary"),
)
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
#: YAML 1.2's booleans (its core schema); every other boolean word here is YAML 1.1's alone.
_YAML12_BOOLS = {"true", "True", "TRUE", "false", "False", "FALSE"}
#: Plain ``=`` and ``!`` resolve to YAML 1.1's !!value / !!yaml tags; they are text.
_TEXT_ALIASES = {TAG + "value": {"="}, TAG + "yaml": {"!", "&", "*"}}


class ScalarProblem(Exception):
    """A scalar that has no plain-data meaning here; ``message`` and ``hint`` say why."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:int`` -> ``!!int``."""
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def is_scalar_tag(tag: str, text: str) -> bool:
    """Whether ``tag`` on a scalar written ``text`` is plain data."""
    return tag in SCALAR_TAGS or text in _TEXT_ALIASES.get(tag, ())


def read_scalar(tag: str, text: str, timestamp: Callable[[], Any]) -> Any:
    """The value of a scalar (``timestamp`` constructs a date); ScalarProblem when it has none.
    ``tag`` must satisfy ``is_scalar_tag``."""
    kind = tag[len(TAG) :] if tag.startswith(TAG) else "str"
    if kind == "int":
        return _integer(text)
    if kind == "float":
        return _float(text)
    if kind == "bool":
        if text.lower() in _BOOLS:
            return _BOOLS[text.lower()]
        raise ScalarProblem(f"{_written(text)} is not a boolean", "write true or false")
    if kind == "null":
        if text in _NULLS:
            return None
        raise ScalarProblem(f"{_written(text)} is not null", "write null, ~ or nothing")
    if kind == "timestamp":
        return _date(text, timestamp)
    return text


def _integer(text: str) -> int:
    if _DECIMAL_INT.fullmatch(text):
        if len(text.lstrip("+-")) > MAX_DIGITS:
            raise ScalarProblem(
                f"an integer of {len(text.lstrip('+-')):,} digits is too large",
                "numbers in a spec have at most 30 digits; quote it if it is text",
            )
        return int(text)
    raise _yaml11_number(text) or ScalarProblem(
        f"{_written(text)} is not an integer", "write a decimal integer such as 8"
    )


def _float(text: str) -> float:
    if _INFINITY.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    if _FLOAT.fullmatch(text) or _DECIMAL_INT.fullmatch(text):
        return float(text)
    raise _yaml11_number(text) or ScalarProblem(
        f"{_written(text)} is not a number", "write a decimal number such as 0.5"
    )


def _yaml11_number(text: str) -> ScalarProblem | None:
    """The refusal of a number written in a form other than decimal, saying what YAML 1.1
    (PyYAML) would make of it and what to write instead."""
    if len(text) > 40:
        return None  # no arithmetic on long text; the caller's plain refusal applies
    written, quote = f"`{text}`", f"or quote it ('{text}') if it is text"
    plain = text.replace("_", "")
    if _SEXAGESIMAL.fullmatch(text):
        value = _number(_base60(plain))
        return ScalarProblem(
            f"YAML 1.1 reads {written} as the base-60 number {value}", f"write {value}, {quote}"
        )
    if _LEADING_ZERO.fullmatch(text):
        octal = _based(plain, 8)
        decimal = _sign_text(plain) + (plain.lstrip("+-").lstrip("0") or "0")
        if str(octal) == decimal:  # 00, 07: the same number either way
            return ScalarProblem(
                f"YAML 1.1 reads {written} as an octal number", f"write {octal}, {quote}"
            )
        return ScalarProblem(
            f"YAML 1.1 reads {written} as the octal number {octal} (YAML 1.2 as {decimal})",
            f"write {octal} or {decimal} without the leading zero, {quote}",
        )
    for pattern, base, what in _BASES:
        if pattern.fullmatch(text):
            number = _based(plain, base)
            return ScalarProblem(
                f"{written} is the {what} number {number}",
                f"numbers in a spec are decimal: write {number}, {quote}",
            )
    if "_" in text and (_FLOAT.fullmatch(plain) or _DECIMAL_INT.fullmatch(plain)):
        return ScalarProblem(
            f"YAML 1.1 reads {written} as {plain} (YAML 1.2 as text)",
            f"write {plain} without underscores, {quote}",
        )
    return None


def _sign_text(text: str) -> str:
    return "-" if text.startswith("-") else ""


def _based(text: str, base: int) -> int:
    """``0x1F``, ``0o17``, ``017`` (signed, no underscores) in ``base``."""
    body = text.lstrip("+-")
    digits = body[2:] if body[1:2].isalpha() else body
    return int(_sign_text(text) + (digits or "0"), base)


def _base60(text: str) -> int | float:
    """``1:04`` -> 64, ``-1:30.5`` -> -90.5 (signed, no underscores)."""
    sign, body = (-1 if text.startswith("-") else 1), text.lstrip("+-")
    value: int | float = 0
    for part in body.split(":"):
        value = value * 60 + (float(part) if "." in part else int(part))
    return sign * value


def _number(value: float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _date(text: str, timestamp: Callable[[], Any]) -> Any:
    hint = "write a date as YYYY-MM-DD, or quote it if it is text"
    if not SafeConstructor.timestamp_regexp.match(text):
        raise ScalarProblem(f"{_written(text)} is not a date", hint)
    try:
        return timestamp()
    except (ValueError, OverflowError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "out of range"
        raise ScalarProblem(f"{_written(text)} is not a valid date ({detail})", hint) from None


def _written(text: str) -> str:
    """A scalar's text as a message quotes it."""
    return f"`{shown(text, 40)}`" if text else "an empty value"


@functools.cache
def yaml11_only_booleans() -> tuple[str, ...]:
    """The plain words this reader takes as booleans and YAML 1.2 as text (``yes``, ``Off``,
    ...): PyYAML's resolver decides, in each spelling it knows."""
    resolver = Resolver()
    spellings = (case(word) for word in _BOOLS for case in (str.lower, str.title, str.upper))
    return tuple(
        word
        for word in spellings
        if word not in _YAML12_BOOLS
        and resolver.resolve(ScalarNode, word, (True, False)) == TAG + "bool"
    )
