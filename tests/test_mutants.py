"""The curated mutants of benchmarks/mutation.py still apply to the code: each snippet occurs
exactly once in its file and the mutated file still compiles, so a mutant never survives
because the code it targets moved away."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import mutation

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = mutation.load_mutants()


def test_every_snippet_occurs_once() -> None:
    assert mutation.snippet_problems(MUTANTS, ROOT) == []


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_every_mutant_compiles_and_changes_the_code(mutant: mutation.Mutant) -> None:
    text = (ROOT / mutant.file).read_text(encoding="utf-8")
    mutated = text.replace(mutant.old, mutant.new)
    assert mutated != text
    compile(mutated, mutant.file, "exec")


def test_a_drifted_snippet_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\nx = 1\n", encoding="utf-8")
    drifted = [
        mutation.Mutant("twice", "a.py", "x = 1", "x = 2", ""),
        mutation.Mutant("gone", "a.py", "y = 1", "y = 2", ""),
        mutation.Mutant("missing", "b.py", "x", "y", ""),
    ]
    problems = mutation.snippet_problems(drifted, tmp_path)
    assert [p.split(":")[0] for p in problems] == ["twice", "gone", "missing"]


def test_the_first_step_is_the_suites_first_files() -> None:
    """The script's first step runs the files the suite runs first, in the same order."""
    from tests.conftest import FIRST

    assert [str(path.relative_to(ROOT)) for path in FIRST] == list(mutation.FIRST)


def test_the_page_shows_the_saved_results_of_this_mutant_list() -> None:
    """docs/property-testing.md's table is generated from benchmarks/results/mutation.json,
    which must be a run of every mutant now listed: a changed list needs a rerun (--save)."""
    saved = json.loads(mutation.RESULTS.read_text(encoding="utf-8"))
    assert saved["mutants_sha256"] == mutation.digest(mutation.MUTANTS), "rerun with --save"
    assert [o["name"] for o in saved["results"]] == [m.name for m in MUTANTS]
    page = mutation.DOC.read_text(encoding="utf-8")
    assert mutation.with_section(page, mutation.doc_section(saved)) == page, "rerun with --doc"
