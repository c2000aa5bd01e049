"""Loading specs from every source, per-stage SK overrides, and user-registered blocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import Tensor

from skbuilder import (
    Block,
    BlockParams,
    SpecError,
    build_model,
    load_spec,
    parse_spec,
    register_block,
    spec_from_dict,
    summarize,
)
from skbuilder.blocks import unregister_block
from skbuilder.blocks.cost import Cost
from skbuilder.nn.layers import ConvBnAct, SKConv
from tests.conftest import SPECS

TINY = {
    "name": "tiny",
    "stem": {"width": 16},
    "sk": {"G": 4, "r": 4, "L": 8},
    "stages": [
        {"name": "a", "depth": 1, "mid_width": 16, "out_width": 32, "stride": 1},
        {
            "name": "b",
            "depth": 2,
            "mid_width": 24,
            "out_width": 48,
            "stride": 2,
            "sk": {"kernels": [3, 5, 7], "G": 8},
        },
    ],
    "head": {"num_classes": 5},
}


def test_path_text_and_dict_give_the_same_spec() -> None:
    path = SPECS / "sknet50.yaml"
    from_path = load_spec(path)
    from_text = parse_spec(path.read_text(), "sknet50.yaml")
    from_dict = spec_from_dict(from_path.model_dump())
    assert from_path == from_text == from_dict


def test_stage_sk_overrides_replace_only_what_they_set() -> None:
    spec = spec_from_dict(TINY)
    a, b = spec.stage_sk(0), spec.stage_sk(1)
    assert (a.kernel_sizes, a.G, a.r, a.L) == ((3, 5), 4, 4, 8)
    assert (b.kernel_sizes, b.G, b.r, b.L) == ((3, 5, 7), 8, 4, 8)
    model = build_model(spec)
    sk = model.stages[1][0].conv2
    assert isinstance(sk, SKConv) and sk.M == 3 and sk.split[0].conv.groups == 8
    assert model.stages[0][0].conv2.M == 2


def test_overriding_M_drops_inherited_kernels() -> None:
    data = {**TINY, "sk": {"kernels": [3, 5], "G": 4, "r": 4, "L": 8}}
    data["stages"] = [{**TINY["stages"][0], "sk": {"M": 3}}]
    assert spec_from_dict(data).stage_sk(0).kernel_sizes == (3, 5, 7)


def test_stage_names_default_and_blocks_are_addressable() -> None:
    data = {**TINY, "stages": [{k: v for k, v in s.items() if k != "name"} for s in TINY["stages"]]}
    spec = spec_from_dict(data)
    assert spec.stage_names() == ["stage1", "stage2"]
    model = build_model(spec)
    assert [s.name for s in model.stages] == ["stage1", "stage2"]
    assert len(model.stages[1]) == 2


def test_layer_classes_are_passed_in() -> None:
    model = build_model(spec_from_dict(TINY), act_layer=torch.nn.SiLU)
    acts = {type(m) for m in model.modules() if isinstance(m, torch.nn.SiLU | torch.nn.ReLU)}
    assert acts == {torch.nn.SiLU}


def test_zero_init_last_zeroes_the_residual_branch() -> None:
    model = build_model(spec_from_dict({**TINY, "zero_init_last": True}))
    for stage in model.stages:
        for block in stage:
            assert torch.count_nonzero(block.conv3.bn.weight) == 0
            assert torch.count_nonzero(block.conv1.bn.weight) > 0


def test_rule_violations_point_at_fields() -> None:
    data = {**TINY, "stages": [{**TINY["stages"][0], "mid_width": 18}]}
    with pytest.raises(SpecError) as err:
        spec_from_dict(data)
    (issue,) = err.value.issues
    assert issue.path == ("stages", 0, "mid_width")
    assert "G=4 must divide mid_width 18" in issue.message
    assert "16, 20" in (issue.hint or "")


@pytest.fixture
def double_conv_block() -> Iterator[str]:
    """A user's block registered from Python: two plain 3x3 convs with a projection."""

    @register_block("double_conv")
    class DoubleConv(Block):
        def __init__(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> None:
            super().__init__(w_in, w_out, stride, params)
            self.a = ConvBnAct(w_in, params.w_mid, kernel_size=3, stride=stride)
            self.b = ConvBnAct(params.w_mid, w_out, kernel_size=3)

        def forward(self, x: Tensor) -> Tensor:
            return self.b(self.a(x))

        @classmethod
        def complexity(
            cls, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams
        ) -> Cost:
            cx = ConvBnAct.complexity(cx, w_in, params.w_mid, kernel_size=3, stride=stride)
            return ConvBnAct.complexity(cx, params.w_mid, w_out, kernel_size=3)

    yield "double_conv"
    unregister_block("double_conv")


def test_user_registered_block_builds_from_a_spec(double_conv_block: str) -> None:
    spec = parse_spec(
        "name: mine\nstem: {width: 8}\nstages:\n"
        f"  - {{depth: 2, out_width: 16, stride: 2, block: {double_conv_block}}}\n"
    )
    model = build_model(spec)
    assert type(model.stages[0][0]).__name__ == "DoubleConv"
    assert summarize(spec).params == sum(p.numel() for p in model.parameters())
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 1000)


def test_unknown_block_kind_is_an_error_with_suggestion() -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(
            "name: x\nstages:\n  - {depth: 1, out_width: 8, stride: 1, block: sk_botleneck}\n"
        )
    (issue,) = err.value.issues
    assert (issue.line, issue.column) == (3, 48)
    assert "unknown block kind 'sk_botleneck'" in issue.message
    assert "did you mean 'sk_bottleneck'" in (issue.hint or "")


def test_registering_a_taken_name_or_a_non_block_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_block("sk_bottleneck")(type("Other", (Block,), {}))
    with pytest.raises(TypeError):
        register_block("not_a_block")(int)  # type: ignore[arg-type]
