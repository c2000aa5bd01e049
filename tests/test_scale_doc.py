"""docs/scale-selection.md against what made it: its generated block is what the committed
results give, and the cheap parts of those results are what the current code would make again
(the spec's hash, the photographs, seed 0's initial weights), so a change that would alter a
rerun of `make scale-experiment` fails here instead of leaving the page stale."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from skbuilder import build_model, load_spec
from skbuilder.analysis.scale.provenance import spec_hash, weights_hash
from skbuilder.spec import NetworkSpec

pytest.importorskip("scipy")

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scale-selection.md"
RESULTS = ROOT / "docs" / "scale-selection" / "results.json"


@pytest.fixture(scope="module")
def results() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def _spec(results: dict) -> NetworkSpec:
    """The spec as the run named it: a shipped name or a path from the repository's root."""
    named = results["provenance"]["spec_file"]
    return load_spec(ROOT / named if (ROOT / named).is_file() else named)


def test_the_page_is_what_the_results_give(results: dict) -> None:
    from skbuilder.analysis.scale.report import RESULTS_BLOCK, generated_block, markdown

    shown = generated_block(DOC.read_text(encoding="utf-8"), RESULTS_BLOCK)
    assert shown is not None, f"{DOC} lost its generated results block"
    assert shown == markdown(results, "scale-selection"), (
        "docs/scale-selection.md differs from what docs/scale-selection/results.json gives: "
        "regenerate it with `skbuilder scale report docs/scale-selection --doc "
        "docs/scale-selection.md --figures docs/scale-selection`"
    )


def test_the_spec_is_the_one_that_ran(results: dict) -> None:
    made = results["provenance"]
    assert spec_hash(_spec(results)) == made["spec_sha256"], (
        f"{made['spec_file']} changed since the documented run: rerun `make scale-experiment`"
    )


def test_seed_zero_starts_from_the_recorded_weights(results: dict) -> None:
    """Building the network is cheap; if the same seed no longer gives the same initial
    weights (a change in how modules are built or initialised), every number would move."""
    recorded = results["environment"]["torch"]
    if torch.__version__ != recorded:
        pytest.skip(
            f"the run used torch {recorded}; initial weights may differ in {torch.__version__}"
        )
    first = results["seeds"][0]
    torch.manual_seed(first["seed"])
    model = build_model(_spec(results))
    assert weights_hash(model) == first["initial_weights"], (
        "seed 0's initial weights changed since the documented run: rerun `make scale-experiment`"
    )


def test_the_photographs_are_the_ones_drawn_on(results: dict) -> None:
    pytest.importorskip("skimage")
    from skbuilder.analysis.scale.scenes import photograph_hashes

    assert photograph_hashes() == results["provenance"]["photographs_sha256"]


def test_the_recorded_commit_is_in_this_history(results: dict) -> None:
    commit = results["provenance"]["commit"]
    assert commit != "unknown" and not commit.endswith("+changes"), (
        "the documented run must come from a committed, unmodified checkout"
    )
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    known = subprocess.run(
        ["git", "-C", str(ROOT), "merge-base", "--is-ancestor", commit, "HEAD"],
        capture_output=True,
        check=False,
    )
    if known.returncode not in (0, 1):
        pytest.skip("the history is not available (a shallow clone)")
    assert known.returncode == 0, f"{commit} is not an ancestor of HEAD"


def test_the_documented_run_is_the_default_run(results: dict) -> None:
    """`make scale-experiment` runs the defaults: changing them without rerunning would leave
    the page describing a run the target no longer makes."""
    from dataclasses import asdict

    from skbuilder.analysis.scale.experiment import ExperimentConfig

    assert json.loads(json.dumps(asdict(ExperimentConfig()))) == results["config"]
