"""Diagrams read from the spec: structure checked on the DOT source and the rendered SVG."""

from __future__ import annotations

import itertools
import re
import struct
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from skbuilder.analysis.summary import summarize
from skbuilder.cli import main
from skbuilder.render import (
    DiagramError,
    Renderer,
    RendererNotFound,
    block_diagram,
    diagram,
    find_renderer,
    network_diagram,
    render,
    resolve_stage,
    stage_diagram,
    write_diagram,
)
from skbuilder.render import renderer as render_module
from skbuilder.render.style import OPS
from skbuilder.spec import NetworkSpec, load_spec, spec_from_dict

needs_renderer = pytest.mark.skipif(
    find_renderer() is None, reason="no Graphviz renderer (system dot or graphviz-pure) installed"
)
SVG = "{http://www.w3.org/2000/svg}"


def stage_clusters(dot: str) -> list[str]:
    return re.findall(r"subgraph cluster_stage_(\w+)", dot)


def collapsed_counts(dot: str) -> dict[str, int]:
    """Blocks after the first per stage: "× N", or "block 2" for a single one."""
    counts = {m[0]: int(m[1]) for m in re.findall(r"(\w+)_rest \[.*?<b>× (\d+)</b>", dot)}
    counts.update({m: 1 for m in re.findall(r"(\w+)_rest \[.*?<b>block 2</b>", dot)})
    return counts


def edge_shapes(dot: str) -> list[str]:
    return re.findall(r'-> \w+ \[.*?label=" ([^"]+) "', dot)


def count_nodes(dot: str, pattern: str) -> int:
    """Nodes whose name is ``pattern``, possibly after the name of the op they are in."""
    return len(re.findall(rf"^\s*((?:[a-z]+\d*_)?{pattern}) \[", dot, flags=re.M))


def five_stage_m3() -> NetworkSpec:
    """A small custom network: five stages of SK bottlenecks with three branches."""
    widths = [(16, 32), (16, 64), (32, 128), (32, 256), (64, 256)]
    return spec_from_dict(
        {
            "name": "five_m3",
            "input": {"image_size": 64},
            "stem": {"width": 16},
            "sk": {"M": 3, "G": 4, "r": 4, "L": 8},
            "stages": [
                {"depth": depth, "mid_width": mid, "out_width": out, "stride": stride}
                for depth, (mid, out), stride in zip([1, 2, 3, 2, 4], widths, [1, 2, 2, 2, 1])
            ],
            "head": {"num_classes": 10},
        }
    )


def one_stage(kind: str, *, stride: int = 1, w_in: int = 16, out: int = 16) -> NetworkSpec:
    """One stage of ``kind``, with G=4 where its blocks have groups (SK or plain grouped)."""
    grouping: dict[str, object] = {"basic": {}, "bottleneck": {"groups": 4}}.get(
        kind, {"sk": {"M": 2, "G": 4, "r": 2, "L": 4}}
    )
    return spec_from_dict(
        {
            "name": f"tiny_{kind}",
            "input": {"image_size": 32},
            "stem": {"width": w_in},
            **grouping,
            "stages": [{"depth": 2, "out_width": out, "stride": stride, "block": kind}],
            "head": {"num_classes": 10},
        }
    )


# -- network level ----------------------------------------------------------------------------


def test_sknet50_network_has_four_stages_collapsed_and_shapes(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "sknet50.yaml")
    dot = network_diagram(spec, image_size=224).source
    assert stage_clusters(dot) == ["conv2", "conv3", "conv4", "conv5"]
    assert collapsed_counts(dot) == {"conv2": 2, "conv3": 3, "conv4": 5, "conv5": 2}
    shapes = edge_shapes(dot)
    outputs = ["256×56×56", "512×28×28", "1024×14×14", "2048×7×7"]
    assert [s for s in dict.fromkeys(shapes) if s in outputs] == outputs
    assert shapes[0] == "3×224×224" and shapes[1] == "64×56×56" and shapes[-1] == "1000"
    assert "legend" in dot


def test_network_shapes_follow_the_input_size(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "sknet50.yaml")
    dot = network_diagram(spec, image_size=320).source
    expected = [str("×".join(map(str, r.shape))) for r in summarize(spec, 320).stage_rows()]
    assert expected[-1] == "2048×10×10"
    assert set(expected) <= set(edge_shapes(dot))
    assert "sknet50 @ 320×320" in dot


def test_custom_five_stage_network() -> None:
    spec = five_stage_m3()
    dot = network_diagram(spec).source
    assert stage_clusters(dot) == [f"stage{i}" for i in range(1, 6)]
    assert collapsed_counts(dot) == {"stage2": 1, "stage3": 2, "stage4": 1, "stage5": 3}
    assert count_nodes(dot, r"stage1_rest") == 0  # a stage of one block has nothing to collapse
    assert "M=3 (3×3, 3×3 dil 2, 3×3 dil 3)" in dot


def test_network_without_classifier_ends_in_features() -> None:
    data = five_stage_m3().model_dump(exclude_none=True)
    data["head"]["num_classes"] = 0
    dot = network_diagram(spec_from_dict(data)).source
    assert "256 features" in dot and "fc 256" not in dot


# -- block and stage levels -------------------------------------------------------------------


def test_sknet50_block_is_the_sk_unit(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "sknet50.yaml")
    dot = block_diagram(spec, "conv5").source
    assert count_nodes(dot, r"branch\d+") == 2
    assert count_nodes(dot, r"softmax") == 1
    assert count_nodes(dot, r"mul\d+") == 2
    for cluster in ("split", "fuse", "select", "sk"):
        assert f"subgraph cluster_conv2_{cluster} " in dot
    assert "max(1024/16, 32) = 64" in dot  # d for C = 1024
    assert "3×3 conv, dilation 2" in dot and "stride 2" in dot
    assert "shortcut: 1×1 conv" in dot
    assert "1024×14×14" in edge_shapes(dot)[0]  # X enters at the previous stage's output


def test_custom_m3_block_has_three_branches() -> None:
    dot = block_diagram(five_stage_m3(), "stage3").source
    assert count_nodes(dot, r"branch\d+") == 3
    assert count_nodes(dot, r"mul\d+") == 3
    assert "dilation 3" in dot and "across the M=3 branches" in dot
    assert "max(32/4, 8) = 8" in dot
    assert "3·32×1×1" in edge_shapes(dot)


@pytest.mark.parametrize(
    ("kind", "branches", "signature"),
    [
        ("sk_bottleneck", 2, "1×1 conv"),
        ("bottleneck", 0, "G=4"),
        ("sk_basic", 2, "slice"),
        ("basic", 0, "3×3 conv"),
    ],
)
def test_every_builtin_kind_has_a_block_diagram(kind: str, branches: int, signature: str) -> None:
    spec = one_stage(kind)
    if kind == "sk_basic":
        data = spec.model_dump(exclude_none=True)
        data["sk"]["split_input"] = True
        spec = spec_from_dict(data)
    dot = block_diagram(spec, 0).source
    assert count_nodes(dot, r"branch\d+") == branches
    assert count_nodes(dot, r"softmax") == (1 if branches else 0)
    assert signature in dot
    assert "identity" in dot  # same width, stride 1: no projection
    assert count_nodes(dot, r"relu") == 1


def test_projection_shortcut_when_shape_changes() -> None:
    dot = block_diagram(one_stage("basic", stride=2, out=32)).source
    assert "shortcut: 1×1 conv" in dot and "identity" not in dot
    assert edge_shapes(dot)[0] == "16×8×8" and edge_shapes(dot)[-1] == "32×4×4"


def test_stage_level_expands_every_block() -> None:
    spec = five_stage_m3()
    dot = stage_diagram(spec, "stage5", expand=True).source
    assert len(re.findall(r"subgraph cluster_block\d+ ", dot)) == 4
    assert count_nodes(dot, r"b\d_conv2_branch\d") == 4 * 3
    assert count_nodes(dot, r"b\d_conv2_softmax") == 4
    shallow = stage_diagram(spec, "stage3").source  # three blocks: drawn in full by default
    assert len(re.findall(r"subgraph cluster_block\d+ ", shallow)) == 3 and "rest" not in shallow


def test_a_deep_stage_collapses_between_its_first_and_last_block() -> None:
    spec = load_spec("sknet101")
    dot = stage_diagram(spec, "conv4").source
    assert re.findall(r"subgraph cluster_block(\d+) ", dot) == ["0", "22"]
    assert "<b>× 21</b>" in dot and "blocks 2–22: SK bottleneck" in dot
    assert "1024 → 1024, stride 1, as the last" in dot
    assert count_nodes(dot, r"b\d+_conv2_softmax") == 2
    assert re.findall(r"(\w+) -> rest ", dot) == ["b0_relu"]  # the first block's output
    assert set(re.findall(r"rest -> (\w+) ", dot)) == {"b22_conv1", "b22_sum_out"}
    expanded = stage_diagram(spec, "conv4", expand=True).source
    assert len(re.findall(r"subgraph cluster_block\d+ ", expanded)) == 23


@pytest.mark.parametrize("level", ["network", "stage", "block"])
def test_left_to_right(level: str) -> None:
    spec = five_stage_m3()
    stage = None if level == "network" else "stage2"
    assert "rankdir=LR" in diagram(spec, level, stage=stage, rankdir="LR").source
    assert "rankdir=TB" in diagram(spec, level, stage=stage).source
    with pytest.raises(DiagramError, match="unknown direction 'BT'"):
        diagram(spec, level, stage=stage, rankdir="BT")


def test_legend_colours_differ_clearly() -> None:
    """Every pair of fills is at least 12 apart in CIEDE2000 (about 5 just-noticeable steps),
    and every border is darker than its fill."""
    from coloraide import Color

    fills = {name: Color(op.fill) for name, op in OPS.items()}
    closest = min(
        (a.delta_e(b, method="2000"), m, n)
        for (m, a), (n, b) in itertools.combinations(fills.items(), 2)
    )
    assert closest[0] >= 12, closest
    for name, op in OPS.items():
        fill, border = Color(op.fill).convert("lab"), Color(op.border).convert("lab")
        assert border["lightness"] < fill["lightness"] - 15, name


def test_user_kinds_are_drawn_from_their_own_description() -> None:
    from skbuilder.blocks import BlockKind, BlockParams, register_block, unregister_block
    from skbuilder.blocks.ops import SK, Chain, Conv, Op

    @register_block("my_block")
    class MyBlock(BlockKind):
        title = "my block"

        def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
            sk = SK(w_in, params.w_mid, stride, params.sk)
            return Chain((("sk", sk), ("project", Conv(params.w_mid, w_out))))

    try:
        spec = one_stage("my_block")
        network = network_diagram(spec).source
        assert "my block" in network and "SK → 1×1" in network
        block, stage = block_diagram(spec).source, stage_diagram(spec).source
        assert count_nodes(block, r"sk_branch\d") == 2 and count_nodes(block, "project") == 1
        assert count_nodes(stage, r"b\d_sk_branch\d") == 4  # two blocks of two branches
        assert count_nodes(stage, r"b\d_project") == 2
        deep = spec_from_dict(
            {**spec.model_dump(), "stages": [{**spec.stages[0].model_dump(), "depth": 6}]}
        )
        collapsed = stage_diagram(deep).source
        assert count_nodes(collapsed, r"b[05]_sk_branch\d") == 4 and "<b>× 4</b>" in collapsed
        assert "blocks 2–5: my block" in collapsed
    finally:
        unregister_block("my_block")


def test_a_module_block_without_layout_is_one_box() -> None:
    from skbuilder import Block, register_block
    from skbuilder.blocks import unregister_block
    from skbuilder.blocks.cost import Cost, conv, norm

    @register_block("boxed")
    class Boxed(Block):
        @classmethod
        def complexity(cls, cx: Cost, w_in: int, w_out: int, stride: int, params: object) -> Cost:
            return norm(conv(cx, w_in, w_out, 3, stride=stride), w_out)

    try:
        spec = one_stage("boxed", out=24)
        dot = block_diagram(spec).source
        assert count_nodes(dot, "block") == 1 and "16 → 24" in dot
        assert "boxed" in network_diagram(spec).source
    finally:
        unregister_block("boxed")


def test_resolve_stage() -> None:
    spec = spec_from_dict(
        {
            "name": "mixed",
            "input": {"image_size": 32},
            "stem": {"width": 16},
            "stages": [
                {"name": "plain", "depth": 1, "out_width": 16, "stride": 1, "block": "basic"},
                {"name": "sk", "depth": 1, "out_width": 32, "stride": 2, "block": "sk_basic"},
            ],
        }
    )
    assert resolve_stage(spec) == 1  # the first SK stage by default
    assert resolve_stage(spec, "plain") == 0 and resolve_stage(spec, "1") == 1
    assert resolve_stage(spec, 0) == 0
    for bad in ("conv9", "2", -1):
        with pytest.raises(DiagramError, match="plain, sk"):
            resolve_stage(spec, bad)


# -- rendering --------------------------------------------------------------------------------


def test_dot_needs_no_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "find_renderer", lambda: None)
    graph = block_diagram(five_stage_m3())
    path = write_diagram(graph, tmp_path / "unit.dot")
    assert path.read_text() == graph.source
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure"):
        render(graph, "svg")


def test_failed_render_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "net.svg"
    target.write_text("old")
    monkeypatch.setattr(render_module, "find_renderer", lambda: None)
    with pytest.raises(RendererNotFound):
        write_diagram(network_diagram(five_stage_m3()), target)
    with pytest.raises(DiagramError, match="could not render"):
        write_diagram(network_diagram(five_stage_m3()), target, renderer=Renderer("f", "false"))
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.svg"]


def test_renderer_prefers_system_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    found = {"dot": "/opt/gv/dot", "graphviz-pure": "/venv/bin/graphviz-pure"}
    monkeypatch.setattr(render_module.shutil, "which", lambda name, path=None: found.get(name))
    assert find_renderer() == Renderer("dot", "/opt/gv/dot")
    del found["dot"]
    assert find_renderer() == Renderer("graphviz-pure", "/venv/bin/graphviz-pure")
    del found["graphviz-pure"]
    assert find_renderer() is None


def test_format_from_suffix_or_option(tmp_path: Path) -> None:
    with pytest.raises(DiagramError, match="suffix"):
        write_diagram(network_diagram(five_stage_m3()), tmp_path / "net.bmp")
    path = write_diagram(network_diagram(five_stage_m3()), tmp_path / "net.txt", "dot")
    assert path.read_text().startswith("digraph")


@needs_renderer
def test_sknet50_svg_parses(specs_dir: Path, tmp_path: Path) -> None:
    spec = load_spec(specs_dir / "sknet50.yaml")
    path = write_diagram(network_diagram(spec), tmp_path / "sknet50.svg")
    root = ET.parse(path).getroot()
    titles = [
        g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"
    ]
    assert titles == [f"cluster_stage_conv{i}" for i in range(2, 6)]
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t.startswith("× ")] == ["× 2", "× 3", "× 5", "× 2"]
    assert "2048×7×7" in " ".join(texts)


@needs_renderer
def test_block_svg_and_png(specs_dir: Path, tmp_path: Path) -> None:
    spec = load_spec(specs_dir / "sknet50.yaml")
    svg = write_diagram(block_diagram(spec), tmp_path / "unit.svg")
    texts = " ".join(t.text or "" for t in ET.parse(svg).getroot().iter(f"{SVG}text"))
    assert "softmax" in texts and "= 32" in texts
    png = write_diagram(block_diagram(spec), tmp_path / "unit.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@needs_renderer
def test_sknet101_renders_well_under_a_second(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "sknet101.yaml")
    start = time.perf_counter()
    svg = render(network_diagram(spec), "svg")
    elapsed = time.perf_counter() - start
    assert "× 22".encode() in svg
    assert elapsed < 1.0, f"{elapsed:.2f}s"


# -- command line -----------------------------------------------------------------------------


@needs_renderer
def test_cli_renders(specs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "unit.svg"
    spec = str(specs_dir / "sknet50.yaml")
    assert main(["render", spec, "-o", str(out), "--level", "block", "--stage", "conv3"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert "max(256/16, 32) = 32" in out.read_text()


def test_cli_without_renderer_says_how_to_fix(
    specs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(render_module, "find_renderer", lambda: None)
    out = tmp_path / "net.png"
    assert main(["render", str(specs_dir / "sknet50.yaml"), "-o", str(out)]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install graphviz-pure" in err[0] and "--format dot" in err[0]
    assert not out.exists()
    assert main(["render", str(specs_dir / "sknet50.yaml"), "-o", str(out), "--format", "dot"]) == 0
    assert out.read_text().startswith("digraph")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--level", "block", "--stage", "conv9"], "no stage 'conv9'"),
        (["--stage", "conv3"], "only for --level stage or block"),
        (["--input-size", "8"], "--input-size 8"),
    ],
)
def test_cli_bad_options(
    specs_dir: Path, tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    out = tmp_path / "x.dot"
    assert main(["render", str(specs_dir / "sknet50.yaml"), "-o", str(out), *extra]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "name", ["sknet50", "sknet101", "sknet26", "resnext50_32x4d", "skresnet18"]
)
def test_every_shipped_spec_draws_at_every_level(specs_dir: Path, name: str) -> None:
    spec = load_spec(specs_dir / f"{name}.yaml")
    network = network_diagram(spec).source
    assert stage_clusters(network) == spec.stage_names()
    assert collapsed_counts(network) == {
        n: s.depth - 1 for n, s in zip(spec.stage_names(), spec.stages) if s.depth > 1
    }
    sk = spec.stages[resolve_stage(spec)].block.startswith("sk_")
    assert count_nodes(block_diagram(spec).source, r"softmax") == int(sk)
    last = spec.stage_names()[-1]
    assert len(re.findall(r"cluster_block\d+ ", stage_diagram(spec, last).source)) == (
        spec.stages[-1].depth
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


@needs_renderer
def test_png_resolution() -> None:
    graph = network_diagram(one_stage("basic"))
    low, high = png_size(render(graph, "png", dpi=50)), png_size(render(graph, "png", dpi=100))
    assert high[0] == pytest.approx(2 * low[0], abs=4) and high[1] == pytest.approx(
        2 * low[1], abs=4
    )


@needs_renderer
def test_cli_direction_resolution_and_expand(tmp_path: Path, capsys) -> None:
    png = tmp_path / "n.png"
    assert main(["render", "sknet26", "-o", str(png), "--rankdir", "LR", "--dpi", "40"]) == 0
    width, height = png_size(png.read_bytes())
    assert width > 3 * height  # left to right: a wide strip
    dot = tmp_path / "s.dot"
    args = ["render", "sknet101", "-o", str(dot), "--level", "stage", "--stage", "conv4"]
    assert main([*args, "--expand"]) == 0
    assert len(re.findall(r"subgraph cluster_block\d+ ", dot.read_text())) == 23


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "x.svg", "--dpi", "300"], "--dpi applies to PNG output only, not svg"),
        (["-o", "x.dot", "--expand"], "--expand applies to --level stage only"),
    ],
)
def test_cli_refuses_options_that_do_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, extra: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["render", "sknet50", *extra]) == 1
    assert capsys.readouterr().err.strip() == f"skbuilder: {message}"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("bad", [["--dpi", "0"], ["--dpi", "5000"], ["--rankdir", "BT"]])
def test_cli_bad_direction_or_resolution_is_a_usage_error(tmp_path: Path, bad: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["render", "sknet50", "-o", str(tmp_path / "x.png"), *bad])
    assert exit_.value.code == 2
