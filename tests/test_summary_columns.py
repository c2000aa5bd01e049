"""The summary says what each stage's blocks are (kind, attention, M and kernels, G), and prints
counts of any size in readable units."""

from __future__ import annotations

from typing import Any

import pytest

from skbuilder import load_spec, spec_from_dict
from skbuilder.analysis.summary import Row, summarize
from skbuilder.cli import main
from skbuilder.text import human, table


def stages_of(spec: Any) -> list[Row]:
    return list(summarize(spec).stage_rows())


def traits(rows: list[Row]) -> set[tuple[str, str, str, str]]:
    return {(r.kind, r.attention, r.branches, r.groups) for r in rows}


def test_shipped_networks() -> None:
    assert traits(stages_of(load_spec("sknet50"))) == {("sk_bottleneck", "sk", "2 (3, 5)", "32")}
    assert traits(stages_of(load_spec("resnext50_32x4d"))) == {("bottleneck", "none", "-", "32")}
    assert traits(stages_of(load_spec("skresnet18"))) == {("sk_basic", "sk", "2 (3, 5)", "1")}


def test_per_stage_settings_and_plain_blocks() -> None:
    spec = spec_from_dict(
        {
            "name": "mixed",
            "sk": {"kernels": [3, 5, 7], "G": 4},
            "stages": [
                {"depth": 2, "out_width": 16, "stride": 1, "block": "basic"},
                {"depth": 2, "mid_width": 16, "out_width": 32, "stride": 2},
                {"depth": 1, "out_width": 32, "stride": 2, "block": "sk_basic", "sk": {"M": 1}},
            ],
        }
    )
    rows = stages_of(spec)
    assert [(r.attention, r.branches, r.groups) for r in rows] == [
        ("none", "-", "1"),
        ("sk", "3 (3, 5, 7)", "4"),
        ("none", "1 (3)", "4"),  # one branch: nothing to select between
    ]


def test_attention_kinds_and_bam() -> None:
    spec = spec_from_dict(
        {
            "name": "gates",
            "sk": {"G": 4},
            "stages": [
                {"depth": 1, "mid_width": 16, "out_width": 32, "stride": 1, "attention": "se"},
                {"depth": 1, "mid_width": 16, "out_width": 32, "stride": 2, "attention": "cbam"},
                {"depth": 1, "mid_width": 16, "out_width": 32, "stride": 2, "bam": {}},
                {
                    "depth": 1,
                    "mid_width": 16,
                    "out_width": 32,
                    "stride": 1,
                    "sk": {"select": "sum"},
                },
            ],
        }
    )
    rows = stages_of(spec)
    assert [r.attention for r in rows] == ["se", "cbam", "sk + bam", "none"]
    assert [r.branches for r in rows] == ["-", "-", "2 (3, 5)", "2 (3, 5)"]


def test_a_module_block_without_a_description_shows_what_is_known() -> None:
    from torch import nn

    from skbuilder import Block, register_block
    from skbuilder.blocks import unregister_block
    from skbuilder.blocks.cost import Cost

    @register_block("opaque_for_summary")
    class Opaque(Block):
        def __init__(self, w_in: int, w_out: int, stride: int, params: Any) -> None:
            super().__init__(w_in, w_out, stride, params)
            self.conv = nn.Conv2d(w_in, w_out, 1, stride)

        @classmethod
        def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: Any) -> Cost:
            return cx

    try:
        spec = spec_from_dict(
            {
                "name": "opaque",
                "stages": [
                    {"depth": 1, "out_width": 8, "stride": 1, "block": "opaque_for_summary"}
                ],
            }
        )
        (row,) = stages_of(spec)
        assert (row.attention, row.branches, row.groups) == ("none", "-", "-")
    finally:
        unregister_block("opaque_for_summary")


def test_table_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "sknet50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == [
        "part",
        "block",
        "attention",
        "M",
        "(kernels)",
        "G",
        "depth",
        "output",
        "params",
        "MACs",
    ]
    conv4 = next(line for line in lines if line.startswith("conv4"))
    assert conv4.split() == [
        "conv4",
        "sk_bottleneck",
        "sk",
        "2",
        "(3,",
        "5)",
        "32",
        "6",
        "1024x14x14",
        "7,766,400",
        "1.61G",
    ]


def test_huge_counts_stay_readable(capsys: pytest.CaptureFixture[str]) -> None:
    """A deliberately huge spec (budgets off): MACs in P, not thousands of T."""
    args = ["summary", "sknet101", "--max-params", "none", "--max-macs", "none"]
    wide = ["--set", "stages.2.mid_width=65536", "--set", "input.image_size=8192"]
    assert main([*args, *wide]) == 0
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    spec = load_spec("sknet101", overrides=["stages.2.mid_width=65536", "input.image_size=8192"])
    macs = summarize(spec).macs
    assert macs > 10**15 and total.endswith(human(macs)) and human(macs).endswith("P")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (999, "999"),
        (27_479_784, "27.48M"),
        (4_462_710_784, "4.46G"),
        (225_781_410_000_000_000, "225.78P"),
        (3 * 10**18, "3.00E"),
        (10**21, "1.00e+21"),
        (-2_500_000, "-2.50M"),
        (0.5, "0.5"),
    ],
)
def test_human(n: float, text: str) -> None:
    assert human(n) == text


def test_table_aligns_numbers_right() -> None:
    text = table(("a", "n"), [("x", "1"), ("long", "100")], right={1}, footer=[("total", "101")])
    assert text.splitlines() == [
        "a        n",
        "-----  ---",
        "x        1",
        "long   100",
        "-----  ---",
        "total  101",
    ]
