"""What the tool shows is what it builds: every shape stated by the walk, ``summary``, the
feature info and the diagrams (network, stage and block level, DOT text) equals the shape that
forward hooks see in the built module, part by part, for every shipped spec at two input sizes
and for drawn specs of every block kind, attention, stem and head (the spec page's own kind
included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from skbuilder import build_model, load_spec, spec_from_dict
from skbuilder.blocks import unregister_block
from skbuilder.spec.shipped import shipped_specs
from skbuilder.testing import examples, network_specs, seeded
from skbuilder.testing.shapes import dot_claims, drawn_shape, shape_mismatches
from skbuilder.testing.strategies import BUILTIN_KINDS
from tests.docs_blocks import register_spec_page_kind
from tests.structures import STRUCTURES

SHIPPED = sorted(shipped_specs())


@pytest.fixture(scope="module", autouse=True)
def _spec_page_kind() -> Iterator[None]:
    register_spec_page_kind()
    yield
    unregister_block("sk_double")


@pytest.mark.parametrize("name", STRUCTURES)
def test_shipped_specs_show_the_shapes_they_build(name: str) -> None:
    spec = load_spec(name)
    model = build_model(spec, device="meta", max_params=None, max_macs=None)
    assert shape_mismatches(spec, model, 224, expand=False) == []


@pytest.mark.slow
@pytest.mark.parametrize("size", [224, 160])
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_show_the_shapes_they_build_in_every_diagram(name: str, size: int) -> None:
    spec = load_spec(name)
    model = build_model(spec, device="meta", max_params=None, max_macs=None)
    assert shape_mismatches(spec, model, size) == []


KINDS = (*BUILTIN_KINDS, "sk_double")


def _check_drawn(spec) -> None:  # type: ignore[no-untyped-def]
    with seeded(0):
        model = build_model(spec, device="meta")
    assert shape_mismatches(spec, model, spec.input.image_size) == []


@examples(0.1)  # 20 specs under the thorough profile; the slow test draws 500
@given(spec=network_specs(block_kinds=KINDS))
def test_drawn_specs_show_the_shapes_they_build(spec) -> None:  # type: ignore[no-untyped-def]
    _check_drawn(spec)


@pytest.mark.slow
@examples(2.5)  # 500 specs under the thorough (CI) profile
@given(spec=network_specs(block_kinds=KINDS))
def test_many_drawn_specs_show_the_shapes_they_build(spec) -> None:  # type: ignore[no-untyped-def]
    _check_drawn(spec)


def test_a_wrong_shape_is_reported_where_it_is_drawn() -> None:
    """The check can fail: a diagram that draws the SK conv's U with twice its channels (as
    diagrams once did) is caught at that edge."""
    spec = load_spec("sknet26")
    model = build_model(spec, device="meta")
    from skbuilder.render import diagram

    source = diagram(spec, "block", image_size=64).source
    u_line = next(line for line in source.splitlines() if '" U ' in line)
    label = u_line.split('label="')[1].split('"')[0]
    shape = drawn_shape(label)
    assert shape is not None
    doubled = "×".join(map(str, (2 * shape[0], *shape[1:])))
    wrong = source.replace(u_line, u_line.replace(label, f" U {doubled} "))
    claims, unnamed, _ = dot_claims(wrong, "block")
    assert unnamed == []
    import torch

    from skbuilder.testing.shapes import _mismatch, observe

    seen = observe(model, torch.randn(1, 3, 64, 64, device="meta"))
    problems = [p for p in (_mismatch(c, seen) for c in claims) if p]
    assert len(problems) == 1 and "conv2_sum_u -> conv2_gap" in problems[0]
    assert f"is {doubled}; the module's is" in problems[0]


def test_a_shape_drawn_without_its_module_is_reported() -> None:
    source = 'digraph {\n\ta -> b [label=" 8×4×4 "]\n}'
    assert dot_claims(source, "x")[1] == ["x: a -> b draws 8×4×4 but names no module"]


def test_a_cbam_block_shows_its_channels() -> None:
    spec = spec_from_dict(
        {
            "name": "cbam",
            "input": {"channels": 3, "image_size": 32},
            "stem": {"kind": "conv3x3", "width": 8, "stride": 1, "pool": False},
            "stages": [
                {
                    "depth": 2,
                    "mid_width": 8,
                    "out_width": 16,
                    "stride": 2,
                    "block": "bottleneck",
                    "attention": "cbam",
                }
            ],
        }
    )
    model = build_model(spec, device="meta")
    assert shape_mismatches(spec, model, 32) == []


def test_a_kind_whose_layout_makes_other_channels_is_refused_at_the_stage() -> None:
    from skbuilder import SpecError
    from skbuilder.blocks import BlockKind, BlockParams, register_block
    from skbuilder.blocks.ops import Conv, Op

    @register_block("narrow")
    class Narrow(BlockKind):
        def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
            return Conv(w_in, w_out // 2, 3, stride)

    try:
        with pytest.raises(SpecError, match=r"makes 8 channels where the stage asks 16"):
            stage = {"depth": 1, "out_width": 16, "stride": 1, "block": "narrow"}
            spec_from_dict({"name": "n", "stages": [stage]})
    finally:
        unregister_block("narrow")


def test_a_kind_without_a_layout_cannot_be_registered() -> None:
    from skbuilder.blocks import BlockKind, register_block

    with pytest.raises(TypeError, match="must describe its layout"):
        register_block("empty")(type("Empty", (BlockKind,), {}))
