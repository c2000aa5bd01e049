"""Backbone use: feature maps, and their channels and strides as the spec computes them."""

from __future__ import annotations

from dataclasses import astuple

import pytest
import torch

from skbuilder import build_model, load_spec, spec_from_dict, summarize
from skbuilder.nn.features import FeatureExtractor, build_features, feature_info
from skbuilder.spec.shipped import shipped_specs
from skbuilder.spec.walk import feature_shapes

SHIPPED = sorted(shipped_specs())
#: Shipped specs of each shape of network, with the reductions of their stem and stages: the
#: ImageNet ResNe(X)ts with each residual block kind, and a ShuffleNetV2 (3 stages). The CIFAR
#: nets (reductions 1, 1, 2, 4) are left out: full width at 64x64 costs seconds.
BACKBONES = {
    "sknet50": [4, 4, 8, 16, 32],
    "sknet26": [4, 4, 8, 16, 32],
    "sknet101": [4, 4, 8, 16, 32],
    "resnext50_32x4d": [4, 4, 8, 16, 32],
    "skresnet18": [4, 4, 8, 16, 32],
    "skresnet34": [4, 4, 8, 16, 32],
    "shufflenetv2_x0_5_sk": [4, 8, 16, 32],
}

DEEP_NO_POOL = {
    "name": "deep_no_pool",
    "stem": {"kind": "deep", "width": 8, "pool": False},
    "sk": {"G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "s1", "depth": 1, "mid_width": 8, "out_width": 16, "stride": 2},
        {"name": "s2", "depth": 1, "out_width": 16, "stride": 1, "block": "sk_basic"},
        {"name": "s3", "depth": 1, "out_width": 24, "stride": 2, "block": "basic"},
    ],
}


@pytest.mark.parametrize("name", SHIPPED)
def test_feature_info_agrees_with_the_analytic_summary(name: str) -> None:
    spec = load_spec(name)
    for size in (64, 57, 224):
        shapes = [row.shape for row in summarize(spec, size).rows[:-1]]  # stem + stages
        assert [tuple(map(int, astuple(s))) for s in feature_shapes(spec, size)] == shapes
        assert [f.channels for f in feature_info(spec)] == [s[0] for s in shapes]


@pytest.mark.parametrize(("name", "reductions"), BACKBONES.items(), ids=list(BACKBONES))
@pytest.mark.parametrize("size", [64, 45])
def test_feature_maps_have_the_announced_channels_and_strides(
    name: str, reductions: list[int], size: int
) -> None:
    backbone = build_features(name).eval()
    with torch.no_grad():
        maps = backbone(torch.randn(2, 3, size, size))
    assert len(maps) == len(backbone.feature_info) == len(reductions)
    assert backbone.feature_info[0].name == "stem"
    for fmap, info, shape in zip(maps, backbone.feature_info, backbone.shapes(size)):
        assert fmap.shape == (2, info.channels, shape.h, shape.w) == (2, *astuple(shape))
    assert backbone.reductions() == reductions


def test_deep_stem_without_pool_and_odd_size() -> None:
    spec = spec_from_dict(DEEP_NO_POOL)
    backbone = build_features(spec).eval()
    assert [f.as_dict() for f in backbone.feature_info] == [
        {"index": 0, "name": "stem", "module": "stem", "num_chs": 8, "reduction": 2},
        {"index": 1, "name": "s1", "module": "stages.0", "num_chs": 16, "reduction": 4},
        {"index": 2, "name": "s2", "module": "stages.1", "num_chs": 16, "reduction": 4},
        {"index": 3, "name": "s3", "module": "stages.2", "num_chs": 24, "reduction": 8},
    ]
    with torch.no_grad():
        maps = backbone(torch.randn(2, 3, 29, 31))
    assert [tuple(m.shape[1:]) for m in maps] == [
        (8, 15, 16),
        (16, 8, 8),
        (16, 8, 8),
        (24, 4, 4),
    ]


def test_out_indices_select_maps_and_drop_unused_stages() -> None:
    model = build_model(spec_from_dict(DEEP_NO_POOL)).eval()
    backbone = FeatureExtractor(model, out_indices=(-2, 1))
    assert backbone.out_indices == (1, 2)
    assert [f.name for f in backbone.feature_info] == ["s1", "s2"]
    assert backbone.channels() == [16, 16]
    assert len(backbone.stages) == 2  # s3 is neither kept nor run
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        s1, s2 = backbone(x)
        expected = model.stages[1](model.stages[0](model.stem(x)))
    torch.testing.assert_close(s2, expected)
    assert s1.shape == (2, 16, 8, 8)


def test_the_backbone_shares_the_models_weights_under_the_same_keys() -> None:
    model = build_model(spec_from_dict(DEEP_NO_POOL))
    backbone = FeatureExtractor(model)
    assert backbone.stem is model.stem
    own = model.state_dict()
    for key, value in backbone.state_dict().items():
        assert value.data_ptr() == own[key].data_ptr()
    assert {k for k in own if not k.startswith("head.")} == set(backbone.state_dict())


@pytest.mark.parametrize(
    ("indices", "message"),
    [((4,), "out of range"), ((-5,), "out of range"), ((1, -3), "twice"), ((), "at least one")],
)
def test_bad_out_indices_are_explained(indices: tuple[int, ...], message: str) -> None:
    model = build_model(spec_from_dict(DEEP_NO_POOL))
    with pytest.raises(ValueError, match=message):
        FeatureExtractor(model, out_indices=indices)


def test_a_model_without_spec_is_refused() -> None:
    model = build_model(spec_from_dict(DEEP_NO_POOL))
    del model.spec
    with pytest.raises(TypeError, match="build_model"):
        FeatureExtractor(model)


def test_a_batch_of_one_in_training_is_refused_clearly_where_a_norm_sees_pooled_vectors() -> None:
    from skbuilder.nn.features import pooled_norms

    backbone = build_features(spec_from_dict(DEEP_NO_POOL)).train()  # SK units: fuse BNs
    one = torch.randn(1, 3, 32, 32)
    with pytest.raises(ValueError, match=r"batch of 1 .* training mode: 2 BatchNorm layers"):
        backbone(one)
    backbone(torch.randn(2, 3, 32, 32))  # two images: the statistics exist
    for _, norm in pooled_norms(backbone):
        norm.eval()  # frozen statistics: a batch of one trains the rest
    assert len(backbone(one)) == 4
    backbone.eval()
    assert len(backbone(one)) == 4

    plain = {**DEEP_NO_POOL, "stages": [{**s, "block": "basic"} for s in DEEP_NO_POOL["stages"]]}
    plain["stages"][0].pop("mid_width")
    plain.pop("sk")  # no SK conv reads it
    assert len(build_features(spec_from_dict(plain)).train()(one)) == 4  # no pooled norm
