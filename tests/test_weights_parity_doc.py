"""The parity table of docs/weights.md is the one its results file gives, and that file still
covers every pairing with the parameter counts the specs give now (the outputs themselves need
timm: tests/test_timm_import.py)."""

from __future__ import annotations

from benchmarks.parity_doc import doc_block, load_results, shown_block
from skbuilder import load_spec, summarize
from skbuilder.interop.weights.references import PAIRINGS


def test_the_page_shows_the_recorded_results() -> None:
    assert shown_block() == doc_block(load_results())


def test_the_results_cover_every_pairing_at_two_sizes_or_more_within_tolerance() -> None:
    results = load_results()
    rows = results["rows"]
    assert {(r["library"], r["model"], r["spec"]) for r in rows} == {
        (p.library, p.model, p.spec) for p in PAIRINGS
    }
    assert len(results["inputs"]["sizes"]) >= 2
    for row in rows:
        assert row["reference_params"] == row["our_params"] == summarize(
            load_spec(row["spec"])
        ).params, row
        assert row["max_abs_diff"] <= 1e-5 * row["max_abs_out"], row
