"""Scale analysis: streaming statistics equal a direct computation over all captured tensors;
the object-scale transform, the evaluation crop and the paper's unit names."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from skbuilder import build_model, load_spec, spec_from_dict
from skbuilder.analysis.attention import capture_attention
from skbuilder.analysis.images import resize_center_crop
from skbuilder.analysis.scale import (
    UnitNameError,
    analyze_scales,
    enlarge,
    evaluation_crop,
    paper_unit_names,
    resolve_unit,
    to_module_name,
    to_paper_name,
)
from skbuilder.analysis.scale.stats import ScaleAttentionStats

TINY = {
    "name": "tiny",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"M": 2, "G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "conv2", "depth": 2, "mid_width": 8, "out_width": 16, "stride": 1},
        {
            "name": "conv3",
            "depth": 1,
            "mid_width": 16,
            "out_width": 16,
            "stride": 2,
            "sk": {"M": 3},
        },
    ],
    "head": {"num_classes": 3},
}
SCALES = (1.0, 1.5, 2.0)


@pytest.fixture
def tiny() -> nn.Module:
    return build_model(spec_from_dict(TINY)).eval()


def test_streaming_statistics_equal_a_direct_computation(tiny: nn.Module) -> None:
    """Uneven batches through the streaming analysis; then every image at once through a plain
    capture, averaged by hand: per class and over all, branch means, differences and their
    spread over images, channel means and accuracy must agree."""
    images = torch.randn(10, 3, 32, 32)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 0, 1, 2])
    batches = [(images[i : i + 4], labels[i : i + 4]) for i in range(0, 10, 4)]  # 4, 4, 2
    stats = analyze_scales(tiny, batches, SCALES, class_names=["a", "b", "c"])

    for scale in SCALES:
        enlarged = enlarge(images, scale)
        attention = capture_attention(tiny, enlarged)
        with torch.no_grad():
            predicted = tiny(enlarged).argmax(1)
        assert stats.accuracy(scale) == pytest.approx(float((predicted == labels).float().mean()))
        for unit, a in attention.items():
            a = a.double()
            for label in (None, 0, 1, 2):
                chosen = a if label is None else a[labels == label]
                per_image = (chosen[:, -1] - chosen[:, 0]).mean(1)
                row = stats.row(unit, scale, label)
                assert row.images == len(chosen)
                assert row.label == ("all" if label is None else "abc"[label])
                assert row.branch_mean == pytest.approx(chosen.mean((0, 2)).tolist(), abs=1e-6)
                assert row.difference == pytest.approx(float(per_image.mean()), abs=1e-6)
                assert row.difference_std == pytest.approx(float(per_image.std()), abs=1e-6)
                torch.testing.assert_close(
                    stats.channel_mean(unit, scale, label), chosen.mean(0), atol=1e-6, rtol=0
                )


def test_rows_cover_every_unit_scale_and_class(tiny: nn.Module) -> None:
    labels = torch.tensor([0, 1, 2, 1])
    stats = analyze_scales(tiny, [(torch.randn(4, 3, 32, 32), labels)], SCALES)
    rows = stats.rows(per_class=True)
    assert len(rows) == 3 * len(SCALES) * (1 + 3)
    assert {r.paper_unit for r in rows} == {"SK_2_1", "SK_2_2", "SK_3_1"}
    assert [r.branch_mean.__len__() for r in rows[:3]] == [2, 2, 3]
    assert rows[0].record()["a2"] == round(rows[0].branch_mean[1], 6)


def test_memory_holds_sums_not_tensors(tiny: nn.Module) -> None:
    """What is kept does not grow with the number of images: one entry per unit, scale, class."""
    batches = [(torch.randn(2, 3, 32, 32), torch.tensor([0, 1])) for _ in range(6)]
    stats = analyze_scales(tiny, batches, (1.0, 2.0))
    assert len(stats._sums) == 3 * 2 * 2
    assert all(s.attention.shape[0] in (2, 3) and s.count == 6 for s in stats._sums.values())


def test_unlabelled_batches_and_mode_restored(tiny: nn.Module) -> None:
    tiny.train()
    stats = analyze_scales(tiny, [torch.randn(3, 3, 32, 32)], (1.0,))
    assert tiny.training
    assert stats.labels == [] and stats.accuracy(1.0) is None
    assert [r.label for r in stats.rows(per_class=True)] == ["all"] * 3


def test_analysis_refuses_bad_scales_and_models_without_sk(tiny: nn.Module) -> None:
    with pytest.raises(ValueError, match=r"at least 1\.0"):
        analyze_scales(tiny, [], (0.5, 1.0))
    with pytest.raises(ValueError, match="no SK convolutions"):
        analyze_scales(nn.Sequential(nn.Conv2d(3, 3, 1)), [], SCALES)


def test_update_rejects_unknown_units_and_mismatched_labels() -> None:
    stats = ScaleAttentionStats({"u": None}, {"u": (3, 5)})
    with pytest.raises(KeyError, match="unknown SK unit"):
        stats.update({"v": torch.rand(1, 2, 4)}, 1.0, None)
    with pytest.raises(ValueError, match="labels of shape"):
        stats.update({"u": torch.rand(2, 2, 4)}, 1.0, torch.tensor([0]))


def test_branches_without_a_larger_field_are_refused() -> None:
    with pytest.raises(ValueError, match="SK unit u: branches of receptive fields"):
        ScaleAttentionStats({"u": None}, {"u": (3, 3)})


def _swap_branches(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same function with each SK conv's two branches listed the other way round: the
    branches' weights trade places, and so do the halves of the select step's output."""
    out = {}
    for key, value in state.items():
        if ".split.0." in key or ".split.1." in key:
            other = key.replace(".split.0.", ".split.X.").replace(".split.1.", ".split.0.")
            out[other.replace(".split.X.", ".split.1.")] = value
        elif key.endswith("select.fc.weight"):
            first, second = value.chunk(2)
            out[key] = torch.cat([second, first])
        else:
            out[key] = value
    return out


def test_the_difference_follows_receptive_fields_not_branch_order() -> None:
    """``kernels: [5, 3]`` with the weights of ``[3, 5]`` swapped computes the same function;
    its attention lists the branches the other way round, and the difference (larger field
    minus smaller) is the same, sign included. Taken by position it would flip."""
    stages = [{k: v for k, v in stage.items() if k != "sk"} for stage in TINY["stages"]]
    spec = dict(TINY, sk={"kernels": [3, 5], "G": 2, "r": 2, "L": 4}, stages=stages)
    ascending = build_model(spec_from_dict(spec)).eval()
    spec["sk"] = dict(spec["sk"], kernels=[5, 3])
    descending = build_model(spec_from_dict(spec)).eval()
    descending.load_state_dict(_swap_branches(ascending.state_dict()))
    images = torch.randn(6, 3, 32, 32)
    torch.testing.assert_close(descending(images), ascending(images))
    up = analyze_scales(ascending, [images], SCALES)
    down = analyze_scales(descending, [images], SCALES)
    for unit in up.units:
        assert up.extents[unit] == (3, 5) and down.extents[unit] == (5, 3)
        assert up.widest(unit) == 1 and down.widest(unit) == 0
        for scale in SCALES:
            a, b = up.row(unit, scale), down.row(unit, scale)
            assert abs(a.difference) > 1e-4
            assert b.difference == pytest.approx(a.difference, abs=1e-6)
            assert b.branch_mean == pytest.approx(a.branch_mean[::-1], abs=1e-6)
    assert down.network_change(2.0).mean == pytest.approx(up.network_change(2.0).mean, abs=1e-6)


def test_network_change_pairs_each_image_with_itself(tiny: nn.Module) -> None:
    """Its mean is the mean over units of each unit's change; its spread is over images."""
    images = torch.randn(7, 3, 32, 32)
    stats = analyze_scales(tiny, [images[:4], images[4:]], SCALES)
    per_scale = {}
    for scale in SCALES:
        attention = capture_attention(tiny, enlarge(images, scale))
        per_scale[scale] = torch.stack(
            [(a[:, -1] - a[:, 0]).double().mean(1) for a in attention.values()]
        ).mean(0)
    for scale in SCALES:
        change = per_scale[scale] - per_scale[1.0]
        moments = stats.network_change(scale)
        assert moments.count == 7
        assert moments.mean == pytest.approx(float(change.mean()), abs=1e-7)
        assert moments.std == pytest.approx(float(change.std()), abs=1e-7)
        by_rows = [
            stats.row(u, scale).difference - stats.row(u, 1.0).difference for u in stats.units
        ]
        assert moments.mean == pytest.approx(sum(by_rows) / len(by_rows), abs=1e-7)


# The object-scale transform and the evaluation crop


def test_enlarge_crops_the_centre_and_resizes_it_back() -> None:
    image = torch.zeros(1, 1, 64, 64)
    image[..., 16:48, 16:48] = 1.0  # the centre half
    assert enlarge(image, 1.0) is image
    torch.testing.assert_close(enlarge(image, 2.0), torch.ones(1, 1, 64, 64))
    ramp = torch.arange(64.0).expand(1, 1, 64, 64)
    enlarged = enlarge(ramp, 2.0)[0, 0, 0]  # x in 16..47, stretched over 64 pixels
    assert enlarged[0] == pytest.approx(16.0, abs=0.3)
    assert enlarged[-1] == pytest.approx(47.0, abs=0.3)
    assert float(enlarged.diff().mean()) == pytest.approx(31 / 63, abs=0.01)
    with pytest.raises(ValueError, match="at least 1"):
        enlarge(image, 0.9)


def test_evaluation_crop_is_the_papers_256_to_224() -> None:
    image = torch.ones(3, 256, 256)
    image[:, 16:240, 16:240] = 0.0  # a 16-pixel frame: exactly what 256 -> 224 removes
    assert float(evaluation_crop(image, 224).abs().max()) == 0.0
    wide = torch.rand(3, 300, 400)
    assert evaluation_crop(wide, 224).shape == (3, 224, 224)
    torch.testing.assert_close(evaluation_crop(wide, 224, 1.0), resize_center_crop(wide, 224))
    with pytest.raises(ValueError, match="crop fraction"):
        evaluation_crop(wide, 224, 1.5)


# Unit names


def test_sknet50_unit_names_follow_the_paper(specs_dir) -> None:
    """SKNet-50's stage names and depths at tiny widths: its units are SK_2_1 .. SK_5_3."""
    shipped = load_spec(specs_dir / "sknet50.yaml")
    stages = [
        {"name": s.name, "depth": s.depth, "mid_width": 8, "out_width": 8, "stride": s.stride}
        for s in shipped.stages
    ]
    model = build_model(spec_from_dict(dict(TINY, stages=stages)))
    names = paper_unit_names(model)
    assert len(names) == 16
    assert to_paper_name(model, "conv3.3.conv2") == "SK_3_4"
    assert to_module_name(model, "SK_2_3") == "conv2.2.conv2"
    assert to_module_name(model, "SK_5_3") == "conv5.2.conv2"
    for module_name, paper in names.items():
        assert to_module_name(model, paper) == module_name
        assert to_paper_name(model, module_name) == paper
        assert resolve_unit(model, paper) == resolve_unit(model, module_name) == module_name


def test_stages_not_named_conv_count_from_two() -> None:
    spec = dict(TINY, stages=[dict(s, name=n) for s, n in zip(TINY["stages"], ["low", "high"])])
    model = build_model(spec_from_dict(spec))
    assert paper_unit_names(model) == {
        "low.0.conv2": "SK_2_1",
        "low.1.conv2": "SK_2_2",
        "high.0.conv2": "SK_3_1",
    }


def test_unknown_unit_names_say_which_exist(tiny: nn.Module) -> None:
    with pytest.raises(UnitNameError, match=r"no SK unit SK_9_1 .* SK_2_1 \(conv2\.0\.conv2\)"):
        to_module_name(tiny, "SK_9_1")
    with pytest.raises(UnitNameError, match="not a unit name"):
        to_module_name(tiny, "SK_3")
    with pytest.raises(UnitNameError, match=r"no SK unit 'conv2\.0\.conv1'"):
        resolve_unit(tiny, "conv2.0.conv1")
