"""The one exception a spec can raise, carrying every problem with its place in the file.
User text echoed in a message goes through ``skbuilder.text.shown``."""

from __future__ import annotations

from dataclasses import dataclass

from skbuilder.text import shown

#: Text that is echoed to terminals and used in file names (a network's name): no control
#: characters (escape sequences), line breaks, or invisible format characters (bidi overrides,
#: zero widths).
VISIBLE_TEXT = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*$"


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


def issue_json(issue: SpecIssue) -> dict[str, object]:
    """A problem as data: file, 1-based line and column (null when unknown), path, message, hint
    (``skbuilder validate --format json`` and the studio)."""
    return {
        "file": issue.source,
        "line": issue.line,
        "column": issue.column,
        "path": format_path(issue.path),
        "message": issue.message,
        "hint": issue.hint,
    }


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
