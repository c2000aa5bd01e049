"""DOT to SVG, PNG or PDF: the system ``dot`` if there is one, else (SVG and PNG) the
``graphviz-pure`` program installed with skbuilder, which writes no PDF; DOT itself needs
neither. Files are written whole or not at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import graphviz

from skbuilder.atomic_write import check_output_path, write_atomic
from skbuilder.render.choices import FORMATS, PNG_DPI
from skbuilder.render.errors import DiagramError, RendererNotFound

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
FIX = (
    "install one with `pip install graphviz-pure` (or the system package graphviz), "
    "or write DOT with --format dot"
)
#: Formats graphviz-pure does not write (its -T list has no pdf).
SYSTEM_DOT_ONLY = ("pdf",)
PDF_FIX = (
    "install the system package graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: "
    "`brew install graphviz`), or write SVG and convert it"
)


@dataclass(frozen=True)
class Renderer:
    """A program with ``dot``'s command line."""

    name: str
    command: str


def _script_dirs() -> list[str]:
    """Where this Python's console scripts live, so a venv's graphviz-pure is found even when
    the venv is not activated."""
    dirs = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    return [d for d in dict.fromkeys(dirs) if d]


def find_renderer() -> Renderer | None:
    """The system ``dot`` on PATH; else ``graphviz-pure`` on PATH or beside this Python."""
    dot = shutil.which("dot")
    if dot:
        return Renderer("dot", dot)
    pure = shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=os.pathsep.join(_script_dirs())
    )
    return Renderer("graphviz-pure", pure) if pure else None


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else the file's suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise DiagramError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise DiagramError(
            f"cannot tell the format of {str(path)!r} from its suffix: name a .svg, .png, .pdf "
            "or .dot file, or give --format svg|png|pdf|dot"
        )
    return SUFFIXES[suffix]


def render(
    graph: graphviz.Digraph,
    fmt: str,
    renderer: Renderer | None = None,
    *,
    dpi: int | None = None,
    timeout: float = 300,
) -> bytes:
    """The diagram as ``fmt`` bytes; DOT needs no renderer. ``dpi``: PNG pixels per inch
    (default ``PNG_DPI``); ``timeout``: seconds the layout may take before it is stopped."""
    fmt = format_for("", fmt)
    if fmt == "dot":
        return graph.source.encode()
    renderer = renderer or find_renderer()
    if renderer is None:
        raise RendererNotFound(f"no Graphviz renderer found to write {fmt}: {FIX}")
    if fmt in SYSTEM_DOT_ONLY and renderer.name != "dot":
        raise RendererNotFound(
            f"{fmt.upper()} needs the system Graphviz `dot` ({renderer.name} writes SVG and PNG "
            f"only): {PDF_FIX}"
        )
    command = [renderer.command, f"-T{fmt}", "-q"]
    if fmt == "png":
        command.append(f"-Gdpi={dpi or PNG_DPI}")
    try:
        done = subprocess.run(
            command, input=graph.source.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(
            f"{renderer.name} took longer than {timeout:g} s to lay out the diagram: draw a "
            "stage or a block instead"
        ) from None
    except OSError as exc:
        raise DiagramError(f"could not run {renderer.command}: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[0] if said else f"exit status {done.returncode}"
        raise DiagramError(f"{renderer.name} could not render the diagram: {reason}")
    return done.stdout


def write_diagram(
    graph: graphviz.Digraph,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    renderer: Renderer | None = None,
    *,
    dpi: int | None = None,
) -> Path:
    """Render and write to ``path`` atomically (a temporary file renamed into place);
    ``OutputFileError`` when it cannot be written there."""
    target = Path(path)
    check_output_path(target)  # before rendering
    data = render(graph, format_for(target, fmt), renderer, dpi=dpi)
    return write_atomic(target, data)
