"""The synthetic experiment end to end at toy size, the across-seed summary on hand-made
results, and the generated section of the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from skbuilder import spec_from_dict
from skbuilder.analysis.scale import summary
from skbuilder.analysis.scale.experiment import (
    CROP_RESIZE,
    RENDERED,
    ExperimentConfig,
    run_experiment,
)
from skbuilder.analysis.scale.report import (
    BEGIN,
    END,
    ReportError,
    markdown,
    summary_csv,
    tidy_csv,
    update_document,
    write_figures,
)

pytest.importorskip("matplotlib")

SPEC = {
    "name": "shapes_toy",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "conv2", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 1},
        {"name": "conv3", "depth": 1, "mid_width": 16, "out_width": 16, "stride": 2},
    ],
    "head": {"num_classes": 6},
}
SCALES = (1.0, 1.5, 2.0)
TOY = ExperimentConfig(
    seeds=(0, 1), epochs=1, train_images=64, test_images=24, batch_size=32, object_size=10
)


@pytest.fixture(scope="module")
def toy_results() -> dict:
    return run_experiment(spec_from_dict(SPEC), TOY).to_json()


def test_every_seed_reports_accuracy_rows_and_profiles(toy_results: dict) -> None:
    assert [s["seed"] for s in toy_results["seeds"]] == [0, 1]
    for seed in toy_results["seeds"]:
        assert set(seed["accuracy"]) == {CROP_RESIZE, RENDERED}
        assert set(seed["accuracy"][CROP_RESIZE]) == {"1", "1.5", "2"}
        # 2 units x 3 scales x (all + 6 classes) per method
        assert len(seed["rows"]) == 2 * 2 * 3 * 7
        assert set(seed["large_kernel"]) == {"SK_2_1", "SK_3_1"}
        assert len(seed["large_kernel"]["SK_2_1"]["2"]) == 8  # one value per channel
        # At 1.0x both methods see the very same images.
        at_one = [(r["unit"], r["class"], r["difference"]) for r in seed["rows"] if r["scale"] == 1]
        assert at_one[: len(at_one) // 2] == at_one[len(at_one) // 2 :]
    assert tidy_csv(toy_results).count("\n") == 1 + 2 * 2 * 2 * 3 * 7
    assert summary_csv(toy_results).count("\n") == 1 + 2 * 2 * 3


def test_report_section_and_figures(toy_results: dict, tmp_path: Path) -> None:
    paths = write_figures(toy_results, tmp_path)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths.values())
    text = markdown(toy_results, "figs")
    assert "| 0 |" in text and "| 1 |" in text and "| SK_3_1 |" in text
    assert "(figs/fig3c-difference.png)" in text
    longer = markdown(toy_results, "figs", others=[toy_results])
    assert "### Another run: 1 epochs of 64 images, seeds 0, 1" in longer
    assert longer.count("| SK_2_1 |") == 3  # both full tables and the short one
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{BEGIN}\nold\n{END}\nverdict\n")
    update_document(doc, "new table")
    assert doc.read_text() == f"intro\n{BEGIN}\nnew table\n{END}\nverdict\n"
    (tmp_path / "plain.md").write_text("no markers\n")
    with pytest.raises(ReportError, match="no generated section"):
        update_document(tmp_path / "plain.md", "x")


def _row(unit: str, scale: float, difference: float, method: str = CROP_RESIZE) -> dict:
    return {"method": method, "unit": unit, "paper_unit": unit, "scale": scale, "class": "all",
            "difference": difference, "difference_std": 0.2, "images": 100}  # fmt: skip


def test_trends_count_the_seeds_that_rise() -> None:
    per_seed = {  # unit -> difference at 1, 1.5, 2 for seeds 0, 1, 2
        "SK_2_1": [(0.0, 0.1, 0.2), (0.1, 0.2, 0.3), (0.0, 0.05, 0.01)],
        "SK_3_1": [(0.3, 0.2, 0.1), (0.0, -0.1, -0.2), (0.2, 0.1, 0.0)],
    }
    results = {
        "config": {"scales": [1.0, 1.5, 2.0], "classes": []},
        "seeds": [
            {
                "rows": [
                    _row(u, s, sign * v[i][k], method)
                    for method, sign in ((CROP_RESIZE, 1), (RENDERED, -1))
                    for u, v in per_seed.items()
                    for k, s in enumerate(SCALES)
                ]
            }
            for i in range(3)
        ],
    }
    rising, falling = summary.unit_trends(results, CROP_RESIZE)
    assert (rising.rising, rising.monotone, rising.seeds) == (3, 2, 3)
    assert rising.change.values == pytest.approx((0.2, 0.2, 0.01))
    assert rising.by_scale["1.5"].mean == pytest.approx(0.35 / 3)
    assert (falling.rising, falling.monotone) == (0, 0)
    assert falling.change.std == pytest.approx(0.0)
    assert rising.change_to("1.5") == pytest.approx((0.1, 0.1, 0.05))
    mean = summary.mean_over_units(results, CROP_RESIZE)
    assert mean["2"].values == pytest.approx((0.15, 0.05, 0.005))
    assert summary.sign_agreement(results) == (0, 6)  # the second method mirrors the first
    assert summary.largest_change(results, RENDERED) == pytest.approx(0.2)
    assert summary.standard_errors(results, CROP_RESIZE) == pytest.approx([0.02] * 6)
    assert summary.beyond_noise(results, CROP_RESIZE) == (5, 6)  # all but |0.01| exceed 0.06


@pytest.mark.slow
def test_parallel_seeds_give_the_same_results(toy_results: dict) -> None:
    parallel = run_experiment(spec_from_dict(SPEC), TOY, jobs=2).to_json()
    assert [s["rows"] for s in parallel["seeds"]] == [s["rows"] for s in toy_results["seeds"]]
    assert parallel["jobs"] == 2
