"""The one exception a spec can raise, carrying every problem with its place in the file, and
the one sanitiser for user text that is echoed back (names, keys, values, paths)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Text that is echoed to terminals and used in file names (a network's name): no control
#: characters (escape sequences), line breaks, or invisible format characters (bidi overrides,
#: zero widths).
VISIBLE_TEXT = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*$"

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


def format_path(path: tuple[str | int, ...]) -> str:
    """``("stages", 2, "sk", "G")`` -> ``spec.stages.2.sk.G`` (each key shown safely)."""
    return ".".join(["spec", *(shown(p, 40) for p in path)])


@dataclass(frozen=True)
class SpecIssue:
    """One problem: where (file, 1-based line and column, path in the spec), what, and a hint."""

    path: tuple[str | int, ...]
    message: str
    source: str = "<spec>"
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def location(self) -> str:
        if self.line is None:
            return self.source
        return f"{self.source}:{self.line}:{self.column}"

    def __str__(self) -> str:
        hint = f"; {shown(self.hint, 300)}" if self.hint else ""
        where = shown(self.source, 200)
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {format_path(self.path)}: {shown(self.message, 500)}{hint}"


class SpecError(ValueError):
    """A spec could not be loaded. ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[SpecIssue] | tuple[SpecIssue, ...]) -> None:
        self.issues: tuple[SpecIssue, ...] = tuple(
            sorted(issues, key=lambda i: (i.source, i.line or 0, i.column or 0))
        )
        super().__init__("\n".join(str(i) for i in self.issues))


class SpecFileError(SpecError):
    """The spec file named by the caller could not be read at all (missing, a directory, a
    device or pipe, no permission): nothing in it was checked."""
