"""Every example in the docs runs: each `skbuilder ...` line of a shell block parses with the
command line (a render runs, to DOT), and each Python block runs in a scratch folder, unless it
needs what a test cannot have (a dataset, a process group, downloaded weights): those are listed
with the reason. Blocks that build full-size networks are slow tests. The pages' shown outputs
are checked by tests/test_docs_outputs.py; docs/spec.md's and docs/property-testing.md's code by
tests/test_docs_examples.py and tests/properties/test_prop_docs.py."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from skbuilder.cli import make_parser
from tests.conftest import ROOT

PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(language: str) -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M):
            found.append((page.name, text[: m.start()].count("\n") + 1, m.group(1)))
    return found


COMMANDS = [
    (f"{page}:{line + i + 1}", shlex.split(text.split("  #")[0]))
    for page, line, block in _blocks("bash")
    for i, text in enumerate(block.splitlines())
    if text.startswith("skbuilder ")
]


@pytest.mark.parametrize(("where", "words"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_shell_examples_parse_and_renders_run(where: str, words: list[str], tmp_path: Path) -> None:
    args = make_parser().parse_args(words[1:])  # an unknown option exits with status 2
    assert args.command == words[1]
    if args.command == "render":  # drawn as it says, written as DOT (no renderer needed)
        args.output, args.format, args.dpi = str(tmp_path / "out.dot"), None, None
        assert args.run(args) == 0, where
        assert (tmp_path / "out.dot").read_text().startswith("digraph")


#: Python blocks that cannot run in a test, by page and a line of the block, with the reason.
NOT_RUN = {
    ("distributed.md", "dist.init_process_group"): "needs a torchrun process group "
    "(tests/test_distributed.py runs DDP in two processes)",
    ("scale-selection.md", "image_folder("): "needs an image folder "
    "(tests/test_scale_cli.py runs the analysis on generated images)",
    ("weights.md", "import_timm_state_dict("): "needs a timm weights file "
    "(tests/test_timm_import.py imports timm's own, when timm is installed)",
    ("export.md", "graph_break_count("): "exports and compiles SKNet-50 (minutes); "
    "tests/test_export.py and tests/test_compile.py make these calls on the shipped specs",
    ("export.md", "config.patch(freezing=True)"): "compiles SKNet-50 with inductor (minutes); "
    "tests/test_compile.py and the bench tests compile the same way",
    ("export.md", "ort.InferenceSession("): "exports SKNet-50 to ONNX (minutes), after the "
    "block above; tests/test_export.py checks ONNX Runtime sessions",
}
FAST = {"diagrams.md", "errors.md"}
SNIPPETS = [
    (page, line, code)
    for page, line, code in _blocks("python")
    if page not in ("spec.md", "property-testing.md")
]


def _reason(page: str, code: str) -> str | None:
    """Why the block cannot run in a test, or None."""
    return next((why for (p, line), why in NOT_RUN.items() if p == page and line in code), None)


@pytest.mark.parametrize(
    ("page", "line", "code"),
    [
        pytest.param(*s, marks=() if s[0] in FAST else pytest.mark.slow, id=f"{s[0]}:{s[1]}")
        for s in SNIPPETS
    ],
)
def test_python_examples_run(
    page: str, line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = _reason(page, code)
    if reason:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    (tmp_path / "my.yaml").write_text("name: my\nstages:\n  - {depth: 1, out_width: 8}\n")
    if "write_diagram" in code and shutil.which("dot") is None:
        code = code.replace('"sknet50.svg"', '"sknet50.dot"')  # no renderer needed for DOT
    earlier = [c for p, ln, c in SNIPPETS if p == page and ln < line and not _reason(p, c)]
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    os.environ.setdefault("TQDM_DISABLE", "1")
    for block in [*earlier, code]:  # a page's blocks continue one another
        exec(compile(block, f"{page}:{line}", "exec"), namespace)


def test_every_block_not_run_is_still_in_the_docs() -> None:
    for page, line in NOT_RUN:
        assert any(p == page and line in c for p, _, c in SNIPPETS), (page, line)
