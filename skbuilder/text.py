"""Numbers and user text as the program shows them: one formatter for counts, one for tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence

_UNITS = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3))


def human(n: int | float) -> str:
    """A count with an SI suffix and two decimals: ``27479784`` -> ``27.48M``, ``4462700000``
    -> ``4.46G``; counts below 1000 as they are, beyond 1000E in scientific notation."""
    size = abs(n)
    if size >= 1000 * 10**18:
        return f"{n:.2e}"
    for unit, scale in _UNITS:
        if size >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:g}" if isinstance(n, float) else str(n)


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
    footer: Sequence[Sequence[str]] = (),
) -> str:
    """Fixed-width columns for a terminal: the header, a rule, the rows and, after another rule,
    the ``footer`` rows (totals). Columns whose index is in ``right`` (numbers) align right."""
    lines = [tuple(head), *map(tuple, rows), *map(tuple, footer)]
    widths = [max(len(cells[i]) for cells in lines) for i in range(len(head))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [fmt(head), rule, *map(fmt, rows)]
    if footer:
        body += [rule, *map(fmt, footer)]
    return "\n".join(body)


#: Unicode categories that can move the cursor, hide text or reorder it on a terminal:
#: controls (ESC, NUL, CR...), format characters (bidi overrides, zero-width), separators,
#: surrogates (undecodable bytes) and unassigned code points.
_UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"}


def _escaped(char: str) -> str:
    if unicodedata.category(char) not in _UNSAFE:
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(text: object, limit: int = 80) -> str:
    """``text`` safe to echo on a terminal: at most ``limit`` characters (the rest counted, not
    printed) and every control, format or undecodable character written as an escape
    (``\\x1b``), so a name or key cannot rewrite the screen or flood it."""
    text = text if isinstance(text, str) else str(text)
    head = "".join(_escaped(c) for c in text[:limit])
    return head if len(text) <= limit else f"{head}... ({len(text):,} characters)"
