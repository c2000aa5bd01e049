"""The shipped specs build to exactly the networks their analytic cost describes, and the specs
of the SKNet paper's networks meet their targets against the published figures of
docs/paper-figures.yaml; docs/paper.md is what tools/paper.py writes from them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder import build_model, load_spec, summarize
from skbuilder.spec import NetworkSpec
from skbuilder.spec.shipped import shipped_specs
from skbuilder.testing import check_complexity, spec_cost
from tools.paper import PAGE, render
from tools.paper_figures import (
    RowFigures,
    TableFigures,
    compare,
    comparisons,
    load_figures,
    parse_figure,
)

SHIPPED = list(shipped_specs())
FIGURES = load_figures()
ROWS = [(table, row) for table in FIGURES.tables for row in table.rows]

#: The targets, by table: parameters within 0.6 % of Table 2 and the CIFAR figures (and
#: of the recalled Tables 3, 6, 7), MACs within 1 %, the ShuffleNetV2 baselines within 2 %.
PARAMS_WITHIN = {
    "imagenet": 0.006,
    "cifar": 0.006,
    "equal-cost": 0.006,
    "second-branch": 0.006,
    "kernels": 0.006,
    "shufflenet": 0.02,
}
MACS_WITHIN = {**dict.fromkeys(PARAMS_WITHIN, 0.01), "shufflenet": 0.02}
#: Rows shown for their distance only; each one's reading in the figures file says why.
COMPARED_ONLY = {"sknet29_dilated", "shufflenetv2_x1_0_se", "shufflenetv2_x1_0_sk"}
#: Shipped specs that reproduce no row of the paper's tables, or a row another spec reproduces
#: with only the released models' stem pool changed (same parameters and, at 224x224, MACs).
NOT_IN_THE_TABLES = {
    "sknet26",
    "skresnet18",
    "skresnet34",
    "sknet_tiny_scenes",
    "sknet50_caffe",
    "senet50_caffe",
    "senet101_caffe",
}
#: The parts the paper's specs add, whose MACs the flop counter checks in the default run, one
#: spec each: a gate on a block's output (CBAM), BAM after a stage, a stage's own SK settings, a
#: 1x1 branch on the CIFAR stem, the ShuffleNetV2 unit with SE and with depthwise SK and the
#: head's conv, branches with their own kernel and groups, a plain sum of three branches. The
#: slow run checks every shipped spec whole.
FLOPS_BY_DEFAULT = {
    "resnext50_cbam",
    "resnext50_bam",
    "sknet101_caffe",
    "sknet29",
    "shufflenetv2_x0_5_se",
    "shufflenetv2_x0_5_sk",
    "ablations/k3_5x5g64_sk",
    "ablations/k3_k5_k7_sum",
}


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def shallow(name: str) -> NetworkSpec:
    """The shipped spec with at most two blocks per stage: the first (stride, projection) and
    one like all the others."""
    spec = load_spec(name)
    depths = [f"stages.{i}.depth={min(s.depth, 2)}" for i, s in enumerate(spec.stages)]
    return load_spec(name, overrides=depths)


def targeted(field: str) -> list[pytest.ParameterSet]:
    """The rows held to a target on ``field``, as test parameters named by table and row."""
    return [
        pytest.param(table, row, id=f"{table.id}: {row.row}")
        for table, row in ROWS
        if row.target and getattr(row, field) is not None
    ]


# -- every shipped spec ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_spec_builds_to_its_analytic_parameter_count(name: str) -> None:
    """Validated, then built (on the meta device, two blocks per stage: the rest repeat the
    second; the slow run builds every block)."""
    spec = shallow(name)
    assert n_params(build_model(spec, device="meta")) == summarize(spec).params


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[] if n in FLOPS_BY_DEFAULT else [pytest.mark.slow]) for n in SHIPPED],
)
def test_a_shipped_spec_counts_its_analytic_macs(name: str) -> None:
    """Parameters and FlopCounterMode's FLOPs (2 x MACs) of the modules built, two blocks per
    stage, on a 32x32 input (their values play no part: they are left at zero)."""
    spec = shallow(name)
    model = build_model(spec, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.zero_()
    check_complexity(model, torch.zeros(1, 3, 32, 32), spec_cost(spec, 32, 32))


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_a_whole_shipped_network_counts_its_analytic_macs(name: str) -> None:
    """The full network at its own input size, built on the meta device."""
    spec = load_spec(name)
    size = spec.input.image_size
    x = torch.empty(1, spec.input.channels, size, size, device="meta")
    check_complexity(build_model(spec, device="meta"), x, spec_cost(spec, size, size))


# -- the published figures -------------------------------------------------------------------


@pytest.mark.parametrize(("table", "row"), targeted("params"))
def test_parameters_meet_the_target(table: TableFigures, row: RowFigures) -> None:
    found = compare(table, row)
    assert found.params_delta is not None and found.row.params is not None
    if found.row.spec == "shufflenetv2_x0_5":
        # 1,366,792 (torchvision's count) is 2.4 % under the printed 1.4M, a count rounded to
        # 0.1M: the target is the rounding interval [1.35M, 1.45M), not 2 %.
        assert abs(found.params_delta) > PARAMS_WITHIN["shufflenet"]
        assert found.row.params.rounds_to(found.params)
        return
    assert abs(found.params_delta) <= PARAMS_WITHIN[found.table.id]


@pytest.mark.parametrize(("table", "row"), targeted("macs"))
def test_macs_meet_the_target(table: TableFigures, row: RowFigures) -> None:
    found = compare(table, row)
    assert found.macs_delta is not None
    assert abs(found.macs_delta) <= MACS_WITHIN[found.table.id]


def test_only_the_rows_the_readings_explain_go_without_a_target() -> None:
    assert {row.spec for _, row in ROWS if not row.target} == COMPARED_ONLY


def test_released_models_are_reproduced_exactly() -> None:
    released = {
        c.row.spec: (c.row.reference.params.value, c.params)
        for c in comparisons(FIGURES)
        if c.row.reference
    }
    assert all(count == ours for count, ours in released.values()), released
    assert released["sknet101_caffe"] == (48_686_760, 48_686_760)  # sknet101.prototxt
    assert set(released) >= {"sknet50", "senet50", "senet101", "shufflenetv2_x1_0"}


def test_every_row_is_a_shipped_spec_and_every_paper_spec_a_row() -> None:
    in_rows = {row.spec for _, row in ROWS}
    assert in_rows <= set(SHIPPED)
    assert set(SHIPPED) - in_rows == NOT_IN_THE_TABLES


@pytest.mark.parametrize(
    ("written", "plain"),
    [("ablations/k3", "resnext50_32x4d"), ("ablations/k3_k5_sk", "sknet50")],
)
def test_a_network_written_branch_by_branch_is_the_shorthand_one(written: str, plain: str) -> None:
    mine, theirs = summarize(load_spec(written)), summarize(load_spec(plain))
    assert (mine.params, mine.macs) == (theirs.params, theirs.macs)


def test_figures_are_read_as_printed() -> None:
    rounded = parse_figure("27.7M")
    assert (rounded.value, rounded.exact, rounded.rounded(27_559_896)) == (27.7e6, False, "27.6M")
    assert parse_figure("1.4M").rounds_to(1_366_792)
    assert not parse_figure("1.4M").rounds_to(1_349_999)
    assert parse_figure("146M").rounded(144_907_992) == "145M"
    exact = parse_figure("48,686,760")
    assert (exact.value, exact.exact, exact.rounded(48_686_760)) == (48_686_760, True, "48,686,760")
    for bad in ("27.7", "27.7K", "48686,760", 27.7):
        with pytest.raises(ValueError, match="figure"):
            parse_figure(bad)


def test_a_row_naming_an_unknown_source_is_refused(tmp_path: Path) -> None:
    text = (
        "sources: {}\n"
        "tables: [{id: t, title: T, source: nowhere, rows: [{row: R, spec: sknet50}]}]\n"
    )
    (tmp_path / "figures.yaml").write_text(text)
    with pytest.raises(ValueError, match="unknown source 'nowhere'"):
        load_figures(tmp_path / "figures.yaml")


def test_the_page_is_what_the_script_writes() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(FIGURES), "run: python tools/paper.py"
