"""The object-scale experiment end to end at toy size (provenance, determinism, the three
conditions), the statistic and its test on hand-made numbers, and the document's blocks."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
import torch

from skbuilder import build_model, spec_from_dict
from skbuilder.analysis.scale import verdict
from skbuilder.analysis.scale.experiment import (
    CONDITIONS,
    CONTROL,
    CROP_RESIZE,
    RENDERED,
    TRAINED,
    UNTRAINED,
    ExperimentConfig,
    run_experiment,
    run_seed,
)
from skbuilder.analysis.scale.provenance import spec_hash, weights_hash
from skbuilder.analysis.scale.report import (
    MEMORY_BLOCK,
    RESULTS_BLOCK,
    ReportError,
    generated_block,
    markdown,
    markers,
    summary_csv,
    tidy_csv,
    update_document,
    write_figures,
)

pytest.importorskip("matplotlib")
pytest.importorskip("scipy")
pytest.importorskip("skimage")

SPEC = {
    "name": "scenes_toy",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "conv2", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 1},
        {"name": "conv3", "depth": 1, "mid_width": 16, "out_width": 16, "stride": 2},
    ],
    "head": {"num_classes": 4},
}
TOY = ExperimentConfig(
    seeds=(0, 1),
    epochs=1,
    train_images=48,
    test_images=12,
    batch_size=24,
    object_size=8,
    train_sizes=(6.0, 16.0),
)


@pytest.fixture(scope="module")
def toy_results() -> dict:
    torch.set_num_threads(1)
    return run_experiment(spec_from_dict(SPEC), TOY, spec_file="toy.yaml").to_json()


def test_every_seed_measures_three_networks(toy_results: dict) -> None:
    assert [s["seed"] for s in toy_results["seeds"]] == [0, 1]
    # 32 px input: the maps are 8 and 4 px; a 5 px field fits only the first
    assert [(u["map_side"], u["in_statistic"]) for u in toy_results["units"]] == [
        (8, True),
        (4, False),
    ]
    for seed in toy_results["seeds"]:
        assert list(seed["conditions"]) == list(CONDITIONS)
        for measured in seed["conditions"].values():
            assert set(measured["accuracy"]) == {CROP_RESIZE, RENDERED}
            assert len(measured["rows"]) == 2 * 3 * 2  # units x scales x methods
            assert {r["fields"] for r in measured["rows"]} == {"3,5"}
            change = measured["network_change"]
            assert change["1"] == {"mean": 0.0, "std": 0.0, "images": 12}
            # the statistic from the unit rows equals the per-image mean (one unit in it)
            rows = {(r["scale"], r["method"]): r["difference"] for r in measured["rows"]
                    if r["paper_unit"] == "SK_2_1"}  # fmt: skip
            assert change["2"]["mean"] == pytest.approx(
                rows[2.0, CROP_RESIZE] - rows[1.0, CROP_RESIZE], abs=2e-6
            )
        assert set(seed["losses"]) == {TRAINED, CONTROL}
    assert tidy_csv(toy_results).count("\n") == 1 + 2 * 3 * 12
    assert summary_csv(toy_results).count("\n") == 1 + 3 * 2 * 2 * 3


def test_results_record_what_they_were_made_from(toy_results: dict) -> None:
    made = toy_results["provenance"]
    spec = spec_from_dict(SPEC)
    assert made["spec_sha256"] == spec_hash(spec) and made["spec_file"] == "toy.yaml"
    assert made["commit"] == "unknown" or len(made["commit"].split("+")[0]) == 40
    assert len(made["photographs_sha256"]) >= 10
    for seed in toy_results["seeds"]:
        torch.manual_seed(seed["seed"])
        assert seed["initial_weights"] == weights_hash(build_model(spec))
    assert toy_results["seeds"][0]["initial_weights"] != toy_results["seeds"][1]["initial_weights"]
    assert spec_hash(spec_from_dict(dict(SPEC, name="other"))) != made["spec_sha256"]


def test_a_seed_rerun_gives_the_same_numbers(toy_results: dict) -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        again = run_seed(spec_from_dict(SPEC), TOY, 1)
    finally:
        torch.use_deterministic_algorithms(False)
    recorded = toy_results["seeds"][1]["conditions"]
    for condition, measured in again.conditions.items():
        assert measured.rows == recorded[condition]["rows"]
        assert measured.network_change == recorded[condition]["network_change"]


def test_report_blocks_and_figures(toy_results: dict, tmp_path: Path) -> None:
    paths = write_figures(toy_results, tmp_path)
    assert set(paths) == {"network", "units", "difference", "channels", "classes"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths.values())
    text = markdown(toy_results, "figs")
    assert "| SK_3_1 | `conv3.0.conv2` | 4 | 3×3 and 5×5 | no:" in text
    assert "(1 units: SK_2_1)" in text and "(figs/network-change.png)" in text
    assert "| control − untrained |" in text and "**Outcome by the rule:" in text
    begin, end = markers(RESULTS_BLOCK)
    m_begin, m_end = markers(MEMORY_BLOCK)
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{begin}\nold\n{end}\nmiddle\n{m_begin}\nmemory\n{m_end}\nend\n")
    update_document(doc, "new table")
    assert doc.read_text() == (
        f"intro\n{begin}\nnew table\n{end}\nmiddle\n{m_begin}\nmemory\n{m_end}\nend\n"
    )
    assert generated_block(doc.read_text(), MEMORY_BLOCK) == "memory"
    (tmp_path / "plain.md").write_text("no markers\n")
    with pytest.raises(ReportError, match="no generated memory block"):
        update_document(tmp_path / "plain.md", "x", MEMORY_BLOCK)


# The statistic and its test, on hand-made results


def _results(per_seed: dict[str, list[tuple[float, float]]]) -> dict:
    """condition -> per seed (difference at 1x, at 2x) of the one unit in the statistic; a
    second unit outside it moves a lot, and must not count."""

    def rows(d1: float, d2: float) -> list[dict]:
        return [
            {"method": m, "unit": u, "paper_unit": p, "scale": s, "difference": v}
            for m in (CROP_RESIZE, RENDERED)
            for u, p, values in (("a", "SK_2_1", (d1, d2)), ("b", "SK_3_1", (0.0, 9.0)))
            for s, v in zip((1.0, 2.0), values)
        ]

    seeds = len(next(iter(per_seed.values())))
    return {
        "config": {"scales": [1.0, 2.0]},
        "units": [
            {"unit": "a", "paper_unit": "SK_2_1", "in_statistic": True},
            {"unit": "b", "paper_unit": "SK_3_1", "in_statistic": False},
        ],
        "seeds": [
            {"conditions": {c: {"rows": rows(*per_seed[c][i])} for c in per_seed}}
            for i in range(seeds)
        ],
    }


def test_paired_test_against_a_hand_computed_t() -> None:
    trained = [0.01, 0.03, 0.02, 0.05]
    untrained = [0.0, 0.01, 0.015, 0.01]
    test = verdict.paired_test(trained, untrained, ("trained", "untrained"))
    d = [a - b for a, b in zip(trained, untrained)]
    se = statistics.stdev(d) / math.sqrt(len(d))
    assert test.mean == pytest.approx(statistics.fmean(d))
    assert test.t == pytest.approx(statistics.fmean(d) / se)
    # the 97.5 % point of Student's t with 3 degrees of freedom is 3.182
    assert test.low == pytest.approx(test.mean - 3.1824 * se, abs=1e-4)
    assert test.high == pytest.approx(test.mean + 3.1824 * se, abs=1e-4)
    assert 0.01 < test.p_value < 0.1 and test.df == 3 and test.positive == 4
    with pytest.raises(ValueError, match="two equally long"):
        verdict.paired_test([1.0], [2.0], ("a", "b"))


@pytest.mark.parametrize(
    ("trained", "control", "sign", "words"),
    [
        ((0.05, 0.06, 0.04, 0.055), (0.1, 0.12, 0.11, 0.1), 1, "the paper's direction"),
        ((-0.05, -0.06, -0.04, -0.055), (0.1, 0.12, 0.11, 0.1), -1, "the opposite"),
        ((0.01, -0.01, 0.02, -0.015), (0.1, 0.12, 0.11, 0.1), 0, "no effect detected"),
        ((0.05, 0.06, 0.04, 0.055), (0.1, -0.12, 0.11, -0.1), 1, "no verdict"),
    ],
)
def test_the_rule(trained: tuple, control: tuple, sign: int, words: str) -> None:
    untrained = (0.001, -0.002, 0.0, 0.001)
    results = _results(
        {
            UNTRAINED: [(0.0, u) for u in untrained],
            TRAINED: [(0.1, 0.1 + t) for t in trained],
            CONTROL: [(0.2, 0.2 + c) for c in control],
        }
    )
    assert verdict.statistic_units(results) == ["SK_2_1"]
    assert verdict.network_changes(results, TRAINED) == pytest.approx(trained)
    outcome = verdict.verdict(results)
    assert outcome.trained.sign == sign
    assert outcome.outcome.startswith(words)


@pytest.mark.slow
def test_parallel_seeds_give_the_same_results(toy_results: dict) -> None:
    parallel = run_experiment(spec_from_dict(SPEC), TOY, spec_file="toy.yaml", jobs=2).to_json()
    assert [s["conditions"] for s in parallel["seeds"]] == [
        s["conditions"] for s in toy_results["seeds"]
    ]
    assert parallel["jobs"] == 2
