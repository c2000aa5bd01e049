"""The stem's max-pool window: what the walk (summary, features, size rules) says is what the
built module does, at every input size, for the default and the Caffe window."""

from __future__ import annotations

import pytest
import torch

from skbuilder import SpecError, build_model, spec_from_dict, summarize
from skbuilder.blocks.settings import StemPool
from skbuilder.spec.walk import feature_shapes, walk

CAFFE = {"kernel": 3, "stride": 2, "padding": 0, "ceil_mode": True}
WINDOWS = [True, CAFFE, {"kernel": 5, "stride": 2, "padding": 1}, {"stride": 1, "padding": 0}]


def _spec(pool: object) -> dict:
    return {
        "name": "pooled",
        "stem": {"kind": "conv3x3", "width": 8, "pool": pool},
        "stages": [{"depth": 1, "out_width": 8, "stride": 2, "block": "basic"}],
        "head": {"num_classes": 2},
    }


@pytest.mark.parametrize("pool", WINDOWS, ids=["default", "caffe", "5x5", "stride1"])
def test_walk_and_size_rules_equal_the_built_module_at_every_size(pool: object) -> None:
    spec = spec_from_dict(_spec(pool))
    model = build_model(spec).eval()
    smallest = spec.min_image_size()
    for size in range(1, 48):
        problem = spec.input_size_problem(size)
        assert (problem is None) == (size >= smallest), size
        if problem is not None:
            continue
        x = torch.randn(1, 3, size, size)
        with torch.no_grad():
            stem = model.stem(x)
            out = model.stages(stem)
        net = walk(spec, size)
        assert (net.stem_out.h, net.stages[0].y.h) == (stem.shape[-1], out.shape[-1]), size
        assert [s.h for s in feature_shapes(spec, size)] == [stem.shape[-1], out.shape[-1]]


def test_the_caffe_window_rounds_up_without_padding() -> None:
    caffe = StemPool(**CAFFE)
    assert [caffe.out_size(s) for s in (2, 3, 4, 49, 112)] == [1, 1, 2, 24, 56]
    assert [StemPool().out_size(s) for s in (2, 3, 4, 49, 112)] == [1, 2, 2, 25, 56]
    table = summarize(spec_from_dict(_spec(CAFFE)), 97).table()
    assert "8x24x24" in table  # 97 -> 49 (stride-2 3x3 conv) -> 24, where the default gives 25


def test_the_window_is_drawn_as_set() -> None:
    assert spec_from_dict(_spec(True)).stem_op().pool_line() == "3×3 max-pool, stride 2"
    caffe = spec_from_dict(_spec(CAFFE)).stem_op().pool_line()
    assert caffe == "3×3 max-pool, stride 2, padding 0, rounding up"


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ({"kernel": 3, "padding": 2}, "padding 2 is more than half the 3x3 window"),
        ({"kernel": 3, "stride": 3}, "must be at most 2, got 3"),
        ({"ceil_mode": "yes"}, "true or false"),
        ("yes", "true or false"),
        ({"kernel": 3, "size": 3}, "unknown key 'size'"),
    ],
)
def test_bad_windows_are_refused_at_the_field(pool: object, message: str) -> None:
    with pytest.raises(SpecError) as info:
        spec_from_dict(_spec(pool))
    assert len(info.value.issues) == 1
    assert message in str(info.value.issues[0]) and "stem.pool" in str(info.value.issues[0])


def test_the_caffe_window_computes_what_the_reference_equations_say() -> None:
    from skbuilder.testing import reference as ref

    model = ref.randomize(build_model(spec_from_dict(_spec(CAFFE))).double())
    x = torch.randn(2, 3, 29, 29, dtype=torch.float64)  # 29 -> 15 -> 7: the window rounds up
    ref.check_reference(model, x, ref.network, training=False)
