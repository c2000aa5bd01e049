"""What the docs show is what the program prints: every output block is regenerated from its
commands and compared, and every picture the docs show is drawn by ``make docs``.

On a difference: ``make docs`` (or ``python tools/make_docs.py --no-figures``) rewrites the
pages; review the diff.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.make_docs import (
    DOCS,
    PAGES,
    ROOT,
    Block,
    all_blocks,
    blocks,
    expected_body,
    figure_outputs,
    rewrite,
    stale_blocks,
)

BLOCKS = all_blocks()
IMAGE_LINK = re.compile(r"\]\(([^)\s]+\.(?:png|svg))\)")


@pytest.mark.parametrize(
    "block",
    [pytest.param(b, id=b.label, marks=[pytest.mark.slow] if b.slow else []) for b in BLOCKS],
)
def test_shown_output_is_what_the_program_prints(block: Block) -> None:
    assert block.body == expected_body(block), "out of date: run `make docs` and review the diff"


def test_the_outputs_the_docs_rely_on_are_generated() -> None:
    labels = {b.label for b in BLOCKS}
    for label in (
        "README.md: skbuilder summary sknet50",
        "README.md: cat bad.yaml; skbuilder validate bad.yaml",
        "README.md: skbuilder list",
        "docs/attention.md: skbuilder attention sknet26 --random -o attention-sknet26-random.png",
        "docs/errors.md: skbuilder validate --format json bad.yaml",
    ):
        assert label in labels


def test_every_picture_in_the_docs_is_drawn_by_make_docs() -> None:
    drawn = figure_outputs()
    for page in PAGES:
        for link in IMAGE_LINK.findall(page.read_text(encoding="utf-8")):
            target = (page.parent / link).resolve()
            assert target.is_file(), f"{page.name} links to a missing {link}"
            assert target.relative_to(DOCS).as_posix() in drawn, f"{link} in {page.name}"
    for name in drawn:
        assert (DOCS / name).is_file(), f"make docs draws {name}, which is not committed"


def test_a_drifted_block_is_caught_and_rewritten(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    shown = "<!-- output: cat bad.yaml; skbuilder validate bad.yaml -->\n```text\n{}```\n"
    right = expected_body(blocks(ROOT / "README.md")[1])
    page.write_text(shown.format(right.replace("got `1.5`", "got `2.5`")))
    assert [b.label for b in stale_blocks((page,))] == [
        f"{page}: cat bad.yaml; skbuilder validate bad.yaml"
    ]
    assert rewrite(page) and page.read_text() == shown.format(right)
    assert stale_blocks((page,)) == [] and not rewrite(page)
