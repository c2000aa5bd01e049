"""What the studio computes from the editor's text: its problems (as ``validate --format json``
gives them), its summary, its cost beside a pinned version, and its diagrams.

Nothing here knows about HTTP. Text is loaded with ``extends:`` resolved among the shipped specs
only, so no file outside them is ever read for the page; results are cached by text, since most
keystrokes leave the spec the diagram was drawn from unchanged.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skbuilder.analysis.summary import Row, Summary, summarize
from skbuilder.render.choices import LEVELS
from skbuilder.spec.errors import SpecError, SpecIssue, issue_json, shown
from skbuilder.spec.limits import DEFAULT_MAX_MACS, DEFAULT_MAX_PARAMS
from skbuilder.spec.loader import parse_spec
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.shipped import shipped_dir, shipped_specs
from skbuilder.studio.limits import DEFAULT_STUDIO_LIMITS
from skbuilder.text import human

#: The file name problems in the editor's text are reported against.
SOURCE = "editor"
#: Diagram formats the page can download; PDF needs the system Graphviz ``dot``.
DOWNLOAD_FORMATS = ("svg", "png", "pdf")
NO_PDF = (
    "PDF needs the Graphviz `dot` program, which is not installed here (install the system "
    "package graphviz); SVG and PNG work without it"
)
CACHE = DEFAULT_STUDIO_LIMITS.cache_entries


class Refused(Exception):
    """A request the studio will not carry out; the message says why, for the page."""


class SpecProblems(Exception):
    """The text does not load: its problems, in ``validate``'s JSON form."""

    def __init__(self, problems: tuple[SpecIssue, ...]) -> None:
        super().__init__(f"{len(problems)} problems in the spec")
        self.problems = problems


@dataclass(frozen=True)
class Loaded:
    """The editor's text loaded: the spec, or the problems that stop it."""

    spec: NetworkSpec | None
    problems: tuple[SpecIssue, ...] = ()
    summary: Summary | None = None


@dataclass(frozen=True)
class Draft:
    """The editor's text, and the shipped spec it was opened from (if any): its ``extends:``
    are resolved from that spec's folder, as they are when the file is loaded."""

    text: str
    shipped: str | None = None


@functools.cache
def _shipped_root() -> Path:
    """The shipped specs' folder; an empty folder of its own where the package is not on a
    file system."""
    return shipped_dir() or Path(tempfile.mkdtemp(prefix="skbuilder-studio-"))


def extends_dir(shipped: str | None) -> Path:
    """Where ``extends:`` of a draft is resolved: the folder of the shipped spec it was opened
    from, else the shipped specs' folder. Either way only shipped names and files among the
    shipped specs can be extended (the loader keeps a shipped spec's bases within them)."""
    if shipped is None:
        return _shipped_root()
    path = shipped_specs().get(shipped)
    if path is None:
        raise Refused(f"no shipped spec is named {shown(shipped, 80)!r}")
    return path.parent


@functools.lru_cache(maxsize=CACHE)
def load_text(draft: Draft) -> Loaded:
    """The draft as a spec within the command line's default size budget, and its summary."""
    try:
        spec = parse_spec(
            draft.text,
            SOURCE,
            base_dir=extends_dir(draft.shipped),
            max_params=DEFAULT_MAX_PARAMS,
            max_macs=DEFAULT_MAX_MACS,
        )
    except SpecError as exc:
        return Loaded(None, exc.issues)
    return Loaded(spec, (), summarize(spec))


def loaded_spec(draft: Draft) -> NetworkSpec:
    """The spec of ``draft``; SpecProblems when it does not load."""
    loaded = load_text(draft)
    if loaded.spec is None:
        raise SpecProblems(loaded.problems)
    return loaded.spec


# -- the check: problems, summary, comparison -----------------------------------------------


def check(draft: Draft, pinned: Draft | None = None) -> dict[str, Any]:
    """Everything the page shows beside the diagram: problems, stages, summary and, when a
    version is pinned, the cost of each part before and after."""
    loaded = load_text(draft)
    result: dict[str, Any] = {
        "ok": loaded.spec is not None,
        "problems": [issue_json(issue) for issue in loaded.problems],
        "name": None,
        "stages": [],
        "summary": None,
        "compare": None,
    }
    if loaded.spec is None or loaded.summary is None:
        return result
    result.update(
        name=loaded.spec.name,
        stages=loaded.spec.stage_names(),
        summary=summary_json(loaded.summary),
    )
    if pinned is not None:
        before = load_text(pinned).summary
        if before is not None:
            result["compare"] = compare(before, loaded.summary)
    return result


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary table as data: one row per part, then the totals."""
    return {
        "name": summary.spec_name,
        "image_size": summary.image_size,
        "rows": [_row_json(r) for r in summary.rows],
        "params": summary.params,
        "macs": summary.macs,
        "macs_text": human(summary.macs),
        "params_text": human(summary.params),
    }


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "part": row.name,
        "block": row.kind,
        "attention": row.attention,
        "branches": row.branches,
        "groups": row.groups,
        "depth": row.depth or None,
        "output": "x".join(map(str, row.shape)),
        "params": row.params,
        "macs": row.macs,
        "macs_text": human(row.macs),
    }


def compare(before: Summary, after: Summary) -> dict[str, Any]:
    """Per part (stem, each stage by name, head) and in total: parameters and MACs of the
    pinned version and of the current one, and their change. A part only one side has shows
    nothing on the other."""
    old = {r.name: r for r in before.rows}
    new = {r.name: r for r in after.rows}
    names = [r.name for r in after.rows]
    names[-1:-1] = [n for n in old if n not in new]  # parts removed, before the head
    rows = [_change(n, old.get(n), new.get(n)) for n in names]
    total = _change_of("total", (before.params, before.macs), (after.params, after.macs))
    return {"pinned": before.spec_name, "current": after.spec_name, "rows": rows, "total": total}


def _change(name: str, before: Row | None, after: Row | None) -> dict[str, Any]:
    return _change_of(
        name,
        None if before is None else (before.params, before.macs),
        None if after is None else (after.params, after.macs),
    )


def _change_of(
    name: str, before: tuple[int, int] | None, after: tuple[int, int] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"part": name}
    for i, key in enumerate(("params", "macs")):
        a = None if before is None else before[i]
        b = None if after is None else after[i]
        out[f"{key}_pinned"] = a
        out[key] = b
        out[f"{key}_change"] = (b or 0) - (a or 0)
        out[f"{key}_ratio"] = None if not a or b is None else b / a
    return out


# -- diagrams -------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """Which diagram: the network, one stage (by name), or one block of a stage."""

    level: str = "network"
    stage: str | None = None
    block: int = 0


def diagram_graph(spec: NetworkSpec, view: View) -> Any:
    """The Graphviz graph of ``view``; Refused for a stage or block the spec does not have."""
    from skbuilder.render import DiagramError, block_diagram, diagram

    if view.level not in LEVELS:
        raise Refused(f"unknown level {view.level!r}: use one of {', '.join(LEVELS)}")
    try:
        if view.level == "block":
            return block_diagram(spec, view.stage, index=view.block)
        return diagram(spec, view.level, stage=view.stage)
    except DiagramError as exc:
        raise Refused(str(exc)) from None


@functools.lru_cache(maxsize=CACHE)
def draw(draft: Draft, view: View, fmt: str = "svg") -> bytes:
    """The diagram of ``draft`` at ``view`` as ``fmt`` bytes, laid out within the time bound."""
    from skbuilder.render import DiagramError, find_renderer, render
    from skbuilder.render.choices import FORMATS

    if fmt not in DOWNLOAD_FORMATS:
        raise Refused(f"unknown format {fmt!r}: use one of {', '.join(DOWNLOAD_FORMATS)}")
    graph = diagram_graph(loaded_spec(draft), view)
    renderer = find_renderer()
    if fmt == "pdf" and "pdf" not in FORMATS:
        raise Refused(NO_PDF)
    try:
        return render(graph, fmt, renderer, timeout=DEFAULT_STUDIO_LIMITS.render_seconds)
    except DiagramError as exc:
        if fmt == "pdf" and (renderer is None or renderer.name != "dot"):
            raise Refused(NO_PDF) from None
        raise Refused(str(exc)) from None


def targets(spec: NetworkSpec, view: View) -> dict[str, dict[str, Any]]:
    """What a click on a part of the diagram opens, by the part's Graphviz name (the SVG's
    ``<title>``): at network level a stage's box opens the stage and its first block (the SK
    unit) the block; at stage level each drawn block opens that block."""
    found: dict[str, dict[str, Any]] = {}
    names = spec.stage_names()
    if view.level == "network":
        for name in names:
            stage = {"level": "stage", "stage": name, "block": 0}
            found[f"cluster_stage_{name}"] = stage
            found[f"{name}_rest"] = stage
            found[f"{name}_first"] = {"level": "block", "stage": name, "block": 0}
    elif view.level == "stage":
        from skbuilder.render import resolve_stage

        i = resolve_stage(spec, view.stage)  # the first SK stage when none is named
        for index in range(spec.stages[i].depth):
            found[f"cluster_block{index}"] = {"level": "block", "stage": names[i], "block": index}
    return found
