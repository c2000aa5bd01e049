"""The one exception a spec can raise, carrying every problem with its place in the file."""

from __future__ import annotations

from dataclasses import dataclass


def format_path(path: tuple[str | int, ...]) -> str:
    """``("stages", 2, "sk", "G")`` -> ``spec.stages.2.sk.G``."""
    return ".".join(["spec", *(str(p) for p in path)])


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
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.location}: {format_path(self.path)}: {self.message}{hint}"


class SpecError(ValueError):
    """A spec could not be loaded. ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[SpecIssue] | tuple[SpecIssue, ...]) -> None:
        self.issues: tuple[SpecIssue, ...] = tuple(
            sorted(issues, key=lambda i: (i.source, i.line or 0, i.column or 0))
        )
        super().__init__("\n".join(str(i) for i in self.issues))
