"""Regenerate every output and figure the documentation shows, from the program itself.

An output block in a page is a fenced block right after a marker naming the commands it shows:

    <!-- output: cat bad.yaml; skbuilder validate bad.yaml -->
    ```text
    $ cat bad.yaml
    ...
    ```

Each command runs in a scratch folder holding ``docs/examples/`` (``skbuilder ...`` in this
process, stdout and stderr together as a terminal shows them; ``cat FILE`` reads the file), and
the block becomes ``$ command`` followed by what it printed. ``FIGURES`` are the commands that
draw the pictures under ``docs/``. ``tests/test_docs_outputs.py`` fails when a page's block
differs from what its commands print now.

    python tools/make_docs.py            # rewrite the pages, the figures and the generated files
    python tools/make_docs.py --check    # report the blocks that differ; status 1 if any

It also writes ``docs/paper.md`` with ``tools/paper.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
PAGES = (ROOT / "README.md", *sorted(DOCS.glob("*.md")))

#: Commands that build and run a network: seconds to minutes each (the slow tests check them).
SLOW_COMMANDS = {"attention", "export"}

#: The pictures under docs/, each drawn by one command run in docs/.
FIGURES = (
    "skbuilder render sknet50 -o diagrams/sknet50.svg",
    "skbuilder render sknet50 -o diagrams/sknet50.png",
    "skbuilder render sknet50 -o diagrams/sknet50_lr.svg --rankdir LR",
    "skbuilder render sknet101 -o diagrams/sknet101.svg",
    "skbuilder render sknet101 -o diagrams/sknet101.png",
    "skbuilder render sknet101 -o diagrams/sknet101_conv4.svg --level stage --stage conv4",
    "skbuilder render sknet50 -o diagrams/sknet50_sk_unit.svg --level block",
    "skbuilder render sknet50 -o diagrams/sknet50_sk_unit.png --level block",
    "skbuilder render sknet50 -o diagrams/sknet50_conv2.svg --level stage --stage conv2",
    "skbuilder render skresnet18 -o diagrams/skresnet18_sk_basic.png --level block",
    "skbuilder attention sknet26 --random -o attention-sknet26-random.png",
)

MARKER = re.compile(
    r"^<!-- output: (?P<commands>.+?) -->\n(?P<fence>```+)(?P<lang>\w*)\n(?P<body>.*?)^(?P=fence)$",
    re.M | re.S,
)


@dataclass(frozen=True)
class Block:
    """One output block of a page: the commands it shows and the text it holds now."""

    page: Path
    commands: tuple[str, ...]
    body: str
    start: int
    end: int

    @property
    def slow(self) -> bool:
        return any(_words(c)[1:2] and _words(c)[1] in SLOW_COMMANDS for c in self.commands)

    @property
    def label(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}: {'; '.join(self.commands)}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            page,
            tuple(c.strip() for c in m["commands"].split(";")),
            m["body"],
            m.start("body"),
            m.end("body"),
        )
        for m in MARKER.finditer(text)
    ]


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def _words(command: str) -> list[str]:
    return shlex.split(command)


@contextlib.contextmanager
def settled_torch() -> Iterator[None]:
    """Every command starts from seed 0 on one thread, so the numbers it prints do not depend on
    what ran before it or on the machine's core count."""
    import torch

    from skbuilder.nn.threads import torch_threads

    with torch_threads(1):
        torch.manual_seed(0)
        yield


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_command(command: str, folder: Path) -> str:
    """What ``command`` prints, run in ``folder``."""
    words = _words(command)
    if words[0] == "cat":
        return "".join((folder / name).read_text(encoding="utf-8") for name in words[1:])
    if words[0] != "skbuilder":
        raise ValueError(f"cannot run {command!r}: only `skbuilder ...` and `cat FILE`")
    from skbuilder.cli import main

    out = io.StringIO()
    with (
        inside(folder),
        settled_torch(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
        contextlib.suppress(SystemExit),  # argparse: --help, usage errors
    ):
        main(words[1:])
    return out.getvalue()


def expected_body(block: Block) -> str:
    """The block as its commands print it now."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for example in EXAMPLES.iterdir():
            shutil.copy(example, folder / example.name)
        parts = []
        for command in block.commands:
            output = run_command(command, folder)
            parts.append(f"$ {command}\n{output}")
            if output and not output.endswith("\n"):
                parts.append("\n")
    return "".join(parts)


def stale_blocks(pages: tuple[Path, ...] = PAGES) -> list[Block]:
    """The blocks whose text differs from what their commands print now."""
    return [b for page in pages for b in blocks(page) if expected_body(b) != b.body]


def rewrite(page: Path) -> bool:
    """Regenerate every block of ``page``; whether anything changed."""
    from skbuilder import progress

    text = page.read_text(encoding="utf-8")
    found = blocks(page)
    with progress.steps(f"docs {page.name}", [b.label for b in found]) as step:
        for block in reversed(found):  # from the end, so earlier offsets stay valid
            step(block.label)
            text = text[: block.start] + expected_body(block) + text[block.end :]
    changed = text != page.read_text(encoding="utf-8")
    if changed:
        page.write_text(text, encoding="utf-8")
    return changed


def draw_figures() -> None:
    from skbuilder import progress

    with progress.steps("figures", FIGURES) as step:
        for command in FIGURES:
            step(command)
            printed = run_command(command, DOCS)
            if not printed.startswith("wrote ") and "\nwrote " not in printed:
                raise SystemExit(f"{command} failed:\n{printed}")


#: Pictures of the object-scale experiment: `make scale-experiment` trains and measures for
#: minutes, then draws them (skbuilder scale report), so `make docs` leaves them alone.
EXPERIMENT_FIGURES = "scale-selection"
#: Screenshots of the spec studio, one per step of the browser test (tests/test_studio_browser.py
#: takes them with SKBUILDER_STUDIO_SHOTS=docs/studio), so `make docs` leaves them alone too.
STUDIO_SHOTS = ("1-opened", "2-problem", "3-fixed", "4-stage", "5-block", "6-compare")


def figure_outputs() -> set[str]:
    """The files under docs/ that ``FIGURES`` write, and those `make scale-experiment` writes,
    relative to docs/."""
    from skbuilder.analysis.scale.report import FIGURES as SCALE_FIGURES

    found = {f"{EXPERIMENT_FIGURES}/{name}" for name in SCALE_FIGURES.values()}
    found |= {f"studio/{name}.png" for name in STUDIO_SHOTS}
    for command in FIGURES:
        words = _words(command)
        found.add(words[words.index("-o") + 1])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    parser.add_argument("--no-figures", action="store_true", help="leave the pictures alone")
    args = parser.parse_args(argv)
    from tools import paper

    if args.check:
        stale = stale_blocks()
        for block in stale:
            print(f"out of date: {block.label}", file=sys.stderr)
        return 1 if stale or paper.main(["--check"]) else 0
    if paper.main([]):  # docs/paper.md, from the specs and docs/paper-figures.yaml
        return 1
    for page in PAGES:
        if rewrite(page):
            print(f"rewrote {page.relative_to(ROOT)}")
    if not args.no_figures:
        draw_figures()
        print(f"drew {len(FIGURES)} figures under docs/")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
