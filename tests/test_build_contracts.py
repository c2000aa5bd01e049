"""What the description layer promises about a built model, checked on the module within the
first seconds of the suite (``tests/conftest.py`` runs this file early): the documented default
of every setting reaches the module, ``extends:`` and ``--set`` compose in their documented
order, feature info matches the maps hooks see, every cost the walk gives (parameters, MACs,
activations) matches the module, BatchNorm hyper-parameters are the documented ones, the layer
classes a build is given are used in every place that has one, and ``zero_init_last`` silences
every residual branch whatever its attention."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from skbuilder import build_model, load_spec, spec_from_dict
from skbuilder.blocks import BlockParams, SKSpec, describe
from skbuilder.blocks.ops.bam import BAM
from skbuilder.blocks.settings import ATTENTION_KINDS, BAMSpec, CBAMAttention, SEAttention
from skbuilder.nn.blocks import ResidualBlock
from skbuilder.nn.builder import init_weights
from skbuilder.nn.features import feature_info
from skbuilder.nn.layers import SKConv
from skbuilder.nn.ops import build_block, build_op
from skbuilder.spec.schema import HeadSpec, InputSpec, StemSpec
from skbuilder.spec.walk import feature_shapes, walk
from skbuilder.testing.invariants import check_complexity, seeded
from skbuilder.testing.strategies import BUILTIN_KINDS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "spec.schema.json").read_text(encoding="utf-8"))
SPEC_DOC = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")

#: Every block kind with every attention it takes, a BAM, a deep stem and a head conv: each
#: place a layer class or a cost can go wrong in, at a few thousand parameters.
COVER: dict[str, Any] = {
    "name": "cover",
    "input": {"channels": 3, "image_size": 16},
    "stem": {"kind": "deep", "width": 8, "pool": True},
    "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
    "stages": [
        {"depth": 1, "mid_width": 8, "out_width": 16, "stride": 1, "block": "sk_bottleneck"},
        {"depth": 1, "mid_width": 8, "out_width": 16, "stride": 1, "block": "bottleneck"},
        {
            "depth": 1,
            "mid_width": 8,
            "out_width": 16,
            "stride": 1,
            "block": "bottleneck",
            "attention": {"kind": "se", "r": 4},
        },
        {
            "depth": 1,
            "mid_width": 8,
            "out_width": 16,
            "stride": 2,
            "block": "sk_bottleneck",
            "attention": {"kind": "cbam", "r": 4, "kernel": 3},
            "bam": {"r": 4, "dilation": 2},
        },
        {
            "depth": 1,
            "out_width": 16,
            "stride": 1,
            "block": "sk_basic",
            "sk": {"split_input": True},
        },
        {
            "depth": 1,
            "out_width": 8,
            "stride": 1,
            "block": "basic",
            "attention": {"kind": "cbam", "r": 2, "kernel": 3},
        },
        {"depth": 1, "out_width": 8, "stride": 1, "block": "basic", "attention": "se"},
        {"depth": 2, "out_width": 16, "stride": 2, "block": "shufflenet_v2"},
        {
            "depth": 1,
            "out_width": 16,
            "stride": 1,
            "block": "shufflenet_v2",
            "attention": {"kind": "cbam", "r": 2, "kernel": 3},
        },
        {"depth": 1, "out_width": 16, "stride": 1, "block": "shufflenet_v2", "attention": "se"},
    ],
    "head": {"num_classes": 5, "conv": 12},
}


def cover_model(**layers: Any) -> nn.Module:
    with seeded(0):
        return build_model(spec_from_dict(COVER), **layers).eval()


def norms(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


# -- documented defaults -------------------------------------------------------------------


def documented(model: str, field: str) -> Any:
    """The default the committed JSON Schema (docs/spec.schema.json) states for a field."""
    return SCHEMA["$defs"][model]["properties"][field]["default"]


def test_every_documented_default_is_the_code_default() -> None:
    from skbuilder.spec.json_schema import spec_json_schema

    live = spec_json_schema()

    def defaults(schema: dict[str, Any]) -> dict[tuple[str, str], Any]:
        models = {"NetworkSpec": schema, **schema["$defs"]}
        return {
            (model, name): prop.get("default", "(required)")
            for model, body in models.items()
            for name, prop in body.get("properties", {}).items()
        }

    stated = defaults(SCHEMA)
    assert len(stated) > 20
    assert defaults(live) == stated


def test_documented_sk_defaults_reach_the_module() -> None:
    """M, kernels, dilate, G, r, L: an SK conv with nothing set is what docs/ says."""
    sk = SKSpec()
    M, G = documented("SKSpec", "M"), documented("SKSpec", "G")
    r, L = documented("SKSpec", "r"), documented("SKSpec", "L")
    assert (sk.M, sk.G, sk.r, sk.L) == (M, G, r, L)
    for C in (64, 1024):
        module = SKConv(C, C, sk=sk)
        assert module.fuse.fc.out_channels == max(C // r, L)
        assert module.select.fc.out_channels == M * C
        convs = [branch.conv for branch in module.split]
        assert len(convs) == M and all(c.groups == G for c in convs)
    # the paper's fields 3x3, 5x5, ... as dilated 3x3s when dilate is documented true
    assert documented("SKSpec", "dilate") is True
    assert [(c.kernel_size, c.dilation) for c in convs] == [
        ((3, 3), (m, m)) for m in range(1, M + 1)
    ]
    assert documented("SKSpec", "select") == "softmax" and module.attends
    assert documented("SKSpec", "split_input") is False and not module.split_input


def test_documented_gate_defaults_reach_the_modules() -> None:
    C = 64
    se = build_block(describe("bottleneck"), C, C, 1, BlockParams(w_mid=C, attention=SEAttention()))
    assert se.gate.fc1.out_channels == C // documented("SEAttention", "r")
    cbam = build_block(describe("basic"), C, C, 1, BlockParams(w_mid=C, attention=CBAMAttention()))
    assert cbam.gate.mlp[0].out_channels == C // documented("CBAMAttention", "r")
    k = documented("CBAMAttention", "kernel")
    assert cbam.gate.spatial.conv.kernel_size == (k, k)
    b = BAMSpec()
    bam = build_op(BAM(C, b.r, b.dilation))
    dilations = {
        m.dilation for m in bam.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)
    }
    assert dilations == {(documented("BAMSpec", "dilation"),) * 2}
    hidden = {m.out_channels for m in bam.modules() if isinstance(m, nn.Conv2d)} - {C, 1}
    assert hidden == {C // documented("BAMSpec", "r")}


def test_documented_network_defaults_reach_the_module() -> None:
    spec = spec_from_dict({"name": "d", "stages": [{"depth": 1, "out_width": 64, "stride": 1}]})
    assert spec.stem == StemSpec() and spec.head == HeadSpec() and spec.input == InputSpec()
    assert spec.stages[0].block == documented("StageSpec", "block")
    model = build_model(spec, device="meta")
    stem_conv = model.stem.convs[0].conv
    assert stem_conv.out_channels == documented("StemSpec", "width")
    assert stem_conv.stride == (documented("StemSpec", "stride"),) * 2
    assert isinstance(model.stem.pool, nn.MaxPool2d) == documented("StemSpec", "pool")
    assert model.head.fc.out_features == documented("HeadSpec", "num_classes")
    assert stem_conv.in_channels == documented("InputSpec", "channels")
    assert spec.zero_init_last == documented("NetworkSpec", "zero_init_last")


# -- BatchNorm hyper-parameters and layer classes ------------------------------------------


def documented_bn() -> tuple[float, float]:
    """eps and momentum as docs/spec.md states them."""
    found = re.search(r"eps ([0-9.e-]+) and momentum ([0-9.]+)", SPEC_DOC)
    assert found, "docs/spec.md states BatchNorm's eps and momentum"
    return float(found[1]), float(found[2])


def test_every_norm_has_the_documented_hyper_parameters() -> None:
    eps, momentum = documented_bn()
    found = norms(cover_model())
    assert len(found) > 40
    wrong = [(m.eps, m.momentum) for m in found if (m.eps, m.momentum) != (eps, momentum)]
    assert not wrong, f"{len(wrong)} norms with (eps, momentum) {set(wrong)}"
    assert all(m.affine and m.track_running_stats for m in found)


class Norm(nn.BatchNorm2d):
    """A norm class a user passes in (a subclass, so a plain BatchNorm2d is told apart)."""


class Act(nn.ReLU):
    """An activation class a user passes in."""


def test_given_layer_classes_are_used_in_every_place() -> None:
    plain = cover_model()
    custom = cover_model(norm_layer=Norm, act_layer=Act)
    wrong = [name for name, m in custom.named_modules() if type(m) in (nn.BatchNorm2d, nn.ReLU)]
    assert not wrong, f"built with the default class despite the given one: {wrong}"
    assert len([m for m in custom.modules() if type(m) is Norm]) == len(norms(plain))
    assert sum(type(m) is Act for m in custom.modules()) == sum(
        type(m) is nn.ReLU for m in plain.modules()
    )
    custom.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(custom(x), plain(x))


# -- costs, feature info -------------------------------------------------------------------


def _block_inputs(model: nn.Module, x: Tensor, targets: list[nn.Module]) -> list[Tensor]:
    seen: dict[int, Tensor] = {}
    hooks = [
        t.register_forward_pre_hook(lambda m, a, i=i: seen.setdefault(i, a[0].detach()))
        for i, t in enumerate(targets)
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return [seen[i] for i in range(len(targets))]


@pytest.mark.parametrize("size", [16, 19])
def test_every_cost_the_walk_gives_matches_the_module(size: int) -> None:
    """The stem, each block, each BAM, the head and the total: parameters, MACs and
    activations (conv and linear outputs, counted by hooks) as the walk says."""
    spec = spec_from_dict(COVER)
    model = cover_model()
    net = walk(spec, (size, size))
    parts: list[tuple[str, nn.Module, Any]] = [("stem", model.stem, net.stem_cost)]
    for st in net.stages:
        for step in st.steps:
            parts.append(
                (
                    f"stage {st.index} block {step.plan.index}",
                    model.stages[st.index][step.plan.index],
                    step.cost,
                )
            )
        if st.after is not None:
            parts.append((f"stage {st.index} BAM", model.stages[st.index].bam, st.after_cost))
    parts.append(("head", model.head, net.head_cost))
    x = torch.randn(1, 3, size, size)
    for (what, module, cost), x_in in zip(parts, _block_inputs(model, x, [m for _, m, _ in parts])):
        try:
            check_complexity(module, x_in, cost)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None
    check_complexity(model, x, net.total())


@pytest.mark.parametrize("pool", [True, False])
def test_feature_info_matches_the_maps_hooks_see(pool: bool) -> None:
    data = {**COVER, "stem": {**COVER["stem"], "pool": pool}}
    spec = spec_from_dict(data)
    with seeded(0):
        model = build_model(spec).eval()
    infos = feature_info(spec)
    modules = dict(model.named_modules())
    shapes: dict[str, tuple[int, ...]] = {}

    def seen(name: str) -> Any:
        def hook(module: nn.Module, args: Any, out: Tensor) -> None:
            shapes[name] = tuple(out.shape)

        return hook

    hooks = [modules[i.module].register_forward_hook(seen(i.module)) for i in infos]
    with torch.no_grad():
        for size in (16, 21):
            shapes.clear()
            model(torch.randn(1, 3, size, size))
            walked = feature_shapes(spec, size)
            want = {i.module: (1, i.channels, s.h, s.w) for i, s in zip(infos, walked)}
            assert shapes == want
            assert all(-(-size // i.reduction) == s.h == s.w for i, s in zip(infos, walked))
    for h in hooks:
        h.remove()
    assert [i.module for i in infos] == ["stem", *(f"stages.{k}" for k in range(len(spec.stages)))]


# -- extends and --set ---------------------------------------------------------------------


def test_set_beats_the_file_which_beats_what_it_extends(tmp_path: Path) -> None:
    """--set > the file > its extends: base, field by field; each level reaches the module."""
    (tmp_path / "base.yaml").write_text(
        "name: base\nsk: {M: 2, r: 2, L: 1, G: 2}\nhead: {num_classes: 3}\n"
        "stages: [{depth: 1, mid_width: 8, out_width: 16, stride: 1}]\n"
    )
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nsk: {r: 4}\nhead: {num_classes: 4}\n")
    child = tmp_path / "child.yaml"
    cases = {
        (): (4, 4, 2),  # r, classes from the child; G from the base
        ("sk.r=8",): (8, 4, 2),
        ("sk.G=4", "head.num_classes=6"): (4, 6, 4),
        ("sk.r=1", "sk.r=2"): (2, 4, 2),  # the last --set wins
    }
    for overrides, (r, classes, G) in cases.items():
        spec = load_spec(child, overrides=overrides)
        assert (spec.sk.r, spec.head.num_classes, spec.sk.G) == (r, classes, G), overrides
        model = build_model(spec, device="meta")
        sk = model.stages[0][0].conv2
        assert sk.fuse.fc.out_channels == max(8 // r, 1), overrides
        assert model.head.fc.out_features == classes
        assert sk.split[0].conv.groups == G
    assert load_spec(tmp_path / "base.yaml").sk.r == 2


# -- zero-init of the residual branch ------------------------------------------------------

RESIDUAL_KINDS = [k for k in BUILTIN_KINDS if k != "shufflenet_v2"]  # the unit has no residual
ZERO_INIT_CASES = [
    (kind, attention, w_in, w_out, stride)
    for kind in RESIDUAL_KINDS
    for attention in sorted(describe(kind).attentions)
    for w_in, w_out, stride in ((8, 8, 1), (8, 16, 2))
]


@pytest.mark.parametrize(("kind", "attention", "w_in", "w_out", "stride"), ZERO_INIT_CASES)
def test_zero_init_silences_every_residual_branch(
    kind: str, attention: str, w_in: int, w_out: int, stride: int
) -> None:
    """With ``zero_init_last`` the residual branch outputs 0 and the block is act(shortcut)."""
    params = BlockParams(
        w_mid=8, sk=SKSpec(M=2, G=2, r=2, L=2), attention=ATTENTION_KINDS[attention]()
    )
    with seeded(0):
        block = build_block(describe(kind), w_in, w_out, stride, params)
    assert isinstance(block, ResidualBlock)
    init_weights(block, zero_init_last=True)
    x = torch.randn(2, w_in, 7, 7)
    for training in (False, True):
        block.train(training)
        with torch.no_grad():
            assert torch.count_nonzero(block.residual(x)) == 0
            torch.testing.assert_close(block(x), torch.relu(block.shortcut(x)), rtol=0, atol=0)


def test_spec_zero_init_last_silences_every_residual_block() -> None:
    """``zero_init_last: true`` in a spec reaches every residual block the builder makes."""
    with seeded(0):
        model = build_model(spec_from_dict({**COVER, "zero_init_last": True})).eval()
    blocks = [m for m in model.modules() if isinstance(m, ResidualBlock)]
    inputs = _block_inputs(model, torch.randn(2, 3, 16, 16), blocks)
    assert len(blocks) == 7
    with torch.no_grad():
        for block, x in zip(blocks, inputs):
            assert torch.count_nonzero(block.residual(x)) == 0


def test_zero_init_cases_cover_every_kind_and_attention() -> None:
    kinds = {k for k in BUILTIN_KINDS if isinstance(_built(k), ResidualBlock)}
    assert kinds == set(RESIDUAL_KINDS)
    assert {(c[0], c[1]) for c in ZERO_INIT_CASES} == {
        (k, a) for k in kinds for a in describe(k).attentions
    }


def _built(kind: str) -> nn.Module:
    return build_block(describe(kind), 8, 8, 1, BlockParams(w_mid=8, sk=SKSpec(M=2, G=2, r=2, L=2)))
