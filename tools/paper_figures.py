"""The published figures of ``docs/paper-figures.yaml``, checked and set beside the analytic
counts of the shipped spec that reproduces each row.

The file is the one place the published numbers live; ``tools/paper.py`` renders the comparison
as ``docs/paper.md`` and ``tests/test_paper.py`` holds the specs to their targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from skbuilder import load_spec, summarize

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "paper-figures.yaml"

_ROUNDED = re.compile(r"^(?P<number>\d+(?:\.(?P<decimals>\d+))?)(?P<unit>[MG])$")
_EXACT = re.compile(r"^\d{1,3}(?:,\d{3})*$")
_SCALE = {"M": 10**6, "G": 10**9}


@dataclass(frozen=True)
class Figure:
    """A number as a source prints it: rounded with a unit (``25.0M``) or an exact count."""

    printed: str
    value: float
    exact: bool
    decimals: int = 0
    unit: str = ""

    def relative(self, count: int) -> float:
        """How far ``count`` is from the figure, relative to the figure: count / figure - 1."""
        return count / self.value - 1

    def rounded(self, count: int) -> str:
        """``count`` printed the way the figure is: 27,559,896 as ``27.6M`` beside ``27.7M``."""
        if self.exact:
            return f"{count:,}"
        return f"{count / _SCALE[self.unit]:.{self.decimals}f}{self.unit}"

    def rounds_to(self, count: int) -> bool:
        """Whether ``count``, rounded like the figure, prints as the figure."""
        return self.rounded(count) == self.printed


def parse_figure(text: Any) -> Figure:
    """``"25.0M"``, ``"146M"``, ``"4.24G"`` or ``"48,686,760"`` as a Figure."""
    if not isinstance(text, str):
        raise ValueError(f"write a figure as printed, in quotes if need be: got {text!r}")
    if _EXACT.match(text):
        return Figure(text, float(text.replace(",", "")), exact=True)
    match = _ROUNDED.match(text)
    if match is None:
        raise ValueError(f"a figure is like 25.0M, 4.24G or 27,479,784; got {text!r}")
    value = float(match["number"]) * _SCALE[match["unit"]]
    return Figure(text, value, False, len(match["decimals"] or ""), match["unit"])


Printed = Annotated[Figure, BeforeValidator(parse_figure)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Source(_Model):
    """Where figures come from: the work cited, where it was read, and whether it was read."""

    cite: str
    where: str
    status: Literal["read", "recalled"]


class Reference(_Model):
    """An exact count of a released implementation of the row's network."""

    params: Printed
    source: str


class RowFigures(_Model):
    """One published row: the spec that reproduces it, its figures, and the spec's reading."""

    row: str
    spec: str
    params: Printed | None = None
    macs: Printed | None = None
    source: str | None = None  # default: the table's
    macs_source: str | None = None  # default: the row's source
    reference: Reference | None = None
    reading: str | None = None
    target: bool = True  # false: compared, not held to the targets (the reading says why)


class TableFigures(_Model):
    id: str
    title: str
    source: str
    note: str | None = None
    rows: list[RowFigures]


class Figures(_Model):
    sources: dict[str, Source]
    tables: list[TableFigures]

    @model_validator(mode="after")
    def _sources_exist(self) -> Figures:
        for table in self.tables:
            named = [table.source]
            for row in table.rows:
                named += [row.source, row.macs_source, row.reference and row.reference.source]
            for name in filter(None, named):
                if name not in self.sources:
                    raise ValueError(f"table {table.id!r} names an unknown source {name!r}")
        return self


@dataclass(frozen=True)
class Comparison:
    """A published row beside the analytic counts of its spec at the spec's input size."""

    table: TableFigures
    row: RowFigures
    params: int
    macs: int
    image_size: int
    params_source: str  # the id of the source of the row's parameters
    macs_source: str  # and of its MACs

    @property
    def params_delta(self) -> float | None:
        return None if self.row.params is None else self.row.params.relative(self.params)

    @property
    def macs_delta(self) -> float | None:
        return None if self.row.macs is None else self.row.macs.relative(self.macs)


def load_figures(path: Path = FIGURES) -> Figures:
    """The figures file, checked: unknown keys, malformed figures and unknown sources are
    errors naming what is wrong."""
    return Figures.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def analytic(spec_name: str) -> tuple[int, int, int]:
    """(parameters, MACs, input size) of a shipped spec, from the analytic summary."""
    summary = summarize(load_spec(spec_name))
    return summary.params, summary.macs, summary.image_size


def compare(table: TableFigures, row: RowFigures) -> Comparison:
    """One published row beside its spec's counts."""
    source = row.source or table.source
    params, macs, size = analytic(row.spec)
    return Comparison(table, row, params, macs, size, source, row.macs_source or source)


def comparisons(figures: Figures) -> list[Comparison]:
    """Every published row beside its spec's counts, in the file's order."""
    return [compare(table, row) for table in figures.tables for row in table.rows]


@dataclass(frozen=True)
class Target:
    """A bound on |ours / published - 1| for one figure of the rows of some tables."""

    what: str
    field: Literal["params", "macs"]
    tolerance: float
    tables: frozenset[str]

    def rows(self, found: list[Comparison]) -> list[Comparison]:
        """The rows this target holds: in its tables, held to targets, with the figure."""
        return [
            c
            for c in found
            if c.table.id in self.tables and c.row.target and getattr(c.row, self.field)
        ]

    def misses(self, found: list[Comparison]) -> list[Comparison]:
        return [c for c in self.rows(found) if abs(delta(c, self.field)) > self.tolerance]


def delta(found: Comparison, field: Literal["params", "macs"]) -> float:
    value = found.params_delta if field == "params" else found.macs_delta
    if value is None:
        raise ValueError(f"{found.row.row} has no published {field}")
    return value


#: What the specs are held to (the tests check each).
TARGETS = (
    Target("parameters, Table 2 and CIFAR", "params", 0.006, frozenset({"imagenet", "cifar"})),
    Target(
        "parameters, Tables 3, 6 and 7",
        "params",
        0.006,
        frozenset({"equal-cost", "second-branch", "kernels"}),
    ),
    Target(
        "MACs, every ImageNet and CIFAR row",
        "macs",
        0.01,
        frozenset({"imagenet", "equal-cost", "cifar", "second-branch", "kernels"}),
    ),
    Target("ShuffleNetV2 1.0x and 0.5x, parameters", "params", 0.02, frozenset({"shufflenet"})),
    Target("ShuffleNetV2 1.0x and 0.5x, MACs", "macs", 0.02, frozenset({"shufflenet"})),
)
