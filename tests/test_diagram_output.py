"""Diagram output: PDF through the system Graphviz (refused with what to install without it),
no "× 1" node, branches numbered from 1 as the attention table numbers them, and no default
PNG longer than MAX_PIXELS on a side at the default resolution (folded, then scaled)."""

from __future__ import annotations

import html
import re
import shutil
import struct
from pathlib import Path

import pytest

from skbuilder.cli import main
from skbuilder.render import diagram
from skbuilder.render import renderer as render_module
from skbuilder.render.choices import LEVELS, MAX_PIXELS, RANKDIRS
from skbuilder.render.renderer import Renderer, find_renderer, render
from skbuilder.spec import load_spec
from skbuilder.spec.shipped import shipped_specs

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer")
needs_system_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="no system Graphviz `dot` (apt-get install graphviz)"
)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_pdf_without_system_dot_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pure = Renderer("graphviz-pure", "/nonexistent/graphviz-pure")
    monkeypatch.setattr(render_module, "find_renderer", lambda: pure)
    out = tmp_path / "net.pdf"
    assert main(["render", "sknet50", "-o", str(out)]) == 4
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert "PDF needs the system Graphviz `dot`" in err and "apt-get install graphviz" in err
    assert list(tmp_path.iterdir()) == []


@needs_system_dot
def test_pdf_with_system_dot(tmp_path: Path) -> None:
    out = tmp_path / "unit.pdf"
    assert main(["render", "sknet50", "--level", "block", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_second_block_is_not_drawn_as_times_one() -> None:
    spec = load_spec("sknet50", overrides=["stages.conv2.depth=2"])
    source = diagram(spec).source
    assert "× 1<" not in source and "block 2" in source
    assert "× 2<" in source  # conv5's three blocks: the first and "× 2"


def test_branches_are_numbered_from_one_in_diagram_and_table() -> None:
    from skbuilder.analysis.attention import stats_table

    source = diagram(load_spec("sknet50"), "block").source
    assert " U1 " in source and " U2 " in source and " a1 " in source
    assert not re.search(r"\b[Ua]0\b", source)
    header = stats_table([]).split()
    assert header[2:5] == ["a1", "a2", "wide-narrow"]  # largest field minus smallest


@needs_renderer
def test_the_left_to_right_network_is_folded_under_the_bound() -> None:
    width, height = png_size(render(diagram(load_spec("sknet50"), rankdir="LR"), "png"))
    assert max(width, height) <= MAX_PIXELS and width > 2 * height


CASES = [
    (name, level, rankdir, expand)
    for name in shipped_specs()
    for level in LEVELS
    for rankdir in RANKDIRS
    for expand in ((False, True) if level == "stage" else (False,))
] + [("sknet101", "stage:conv4", rankdir, True) for rankdir in RANKDIRS]


@pytest.mark.slow
@needs_renderer
@pytest.mark.parametrize(("name", "level", "rankdir", "expand"), CASES)
def test_no_default_png_is_longer_than_the_bound(
    name: str, level: str, rankdir: str, expand: bool
) -> None:
    level, _, stage = level.partition(":")
    graph = diagram(load_spec(name), level, stage=stage or None, rankdir=rankdir, expand=expand)
    assert max(png_size(render(graph, "png"))) <= MAX_PIXELS


NAMES = [
    "ends in a backslash \\",
    "\\",
    'a "quoted" name',
    "<b>&amp; not HTML</b>",
    "}{ ; --",
    "ü · 名前",
]


@needs_renderer
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", NAMES)
def test_any_network_name_renders_and_is_shown_as_written(name: str, level: str) -> None:
    """The network's name is free text (printable); it reaches DOT as the graph's name and in
    titles, and no character of it may break the DOT text or be read as markup."""
    spec = load_spec("sknet26").model_copy(update={"name": name})
    svg = render(diagram(spec, level, image_size=64), "svg").decode()
    texts = html.unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))
    assert name in texts
