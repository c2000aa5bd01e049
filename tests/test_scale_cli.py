"""``skbuilder scale``: outputs on good input; one line, exit 1 and no traceback on bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from skbuilder.cli import main

pytest.importorskip("matplotlib")

TINY = {
    "name": "tiny",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "conv2", "depth": 2, "mid_width": 8, "out_width": 16, "stride": 1},
        {"name": "conv3", "depth": 1, "mid_width": 16, "out_width": 16, "stride": 2},
    ],
    "head": {"num_classes": 2},
}


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    """Two classes of three PNGs each, of different sizes and shapes."""
    from matplotlib.image import imsave

    from skbuilder.analysis.scale.shapes import make_shapes

    root = tmp_path / "images"
    data = make_shapes(6, image_size=40, object_size=16, classes=("disk", "cross"), seed=0)
    for i, (image, label) in enumerate(zip(data.images, data.labels)):
        folder = root / data.classes[label]
        folder.mkdir(parents=True, exist_ok=True)
        imsave(folder / f"{i}.png", image.permute(1, 2, 0).numpy())
    return root


def _fails(capsys, argv: list[str], message: str, status: int = 1) -> None:
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert message in err.splitlines()[0], err


def test_analyze_writes_the_table_and_figures(
    spec_file: Path, image_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    argv = ["scale", "analyze", str(spec_file), "--images", str(image_dir), "--per-class"]
    assert main([*argv, "--units", "SK_2_2", "--batch", "4", "--out", str(out)]) == 0
    with (out / "attention.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * 3 * (1 + 2)  # units x scales x (all + two classes)
    assert {r["class"] for r in rows} == {"all", "cross", "disk"}
    assert {r["paper_unit"] for r in rows} == {"SK_2_1", "SK_2_2", "SK_3_1"}
    assert {r["images"] for r in rows if r["class"] == "all"} == {"6"}
    data = json.loads((out / "attention.json").read_text())
    assert data["images"] == 6 and set(data["large_kernel"]["SK_3_1"]) == {"1", "1.5", "2"}
    for name in ("fig3c-difference.png", "fig3ab-channels.png", "fig4-classes.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message", "status"),
    [
        (["--images", "no/such/folder"], "no/such/folder: no such folder", 3),
        (["--units", "SK_9_9"], "--units: no SK unit SK_9_9", 1),
        (["--units", "conv9"], "--units: no SK unit 'conv9'", 1),
    ],
)
def test_analyze_errors_are_one_line(
    spec_file: Path,
    image_dir: Path,
    tmp_path: Path,
    capsys,
    extra: list[str],
    message: str,
    status: int,
) -> None:
    argv = ["scale", "analyze", str(spec_file), "--images", str(image_dir), "--out", str(tmp_path)]
    _fails(capsys, [*argv, *extra], message, status)


def test_per_class_needs_class_folders(spec_file: Path, image_dir: Path, capsys) -> None:
    flat = image_dir / "disk"
    _fails(capsys, ["scale", "analyze", str(spec_file), "--images", str(flat), "--per-class"],
           "--per-class needs one sub-folder")  # fmt: skip


def test_unreadable_image_is_named(spec_file: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"not a png")
    _fails(capsys, ["scale", "analyze", str(spec_file), "--images", str(folder),
                    "--out", str(tmp_path / "o")], "broken.png: cannot read image")  # fmt: skip


@pytest.mark.parametrize("scales", ["0.5,1", "1,x", "1,1"])
def test_bad_scales_are_usage_errors(spec_file: Path, capsys, scales: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scale", "analyze", str(spec_file), "--images", ".", "--scales", scales])
    assert exit_info.value.code == 2
    assert "--scales" in capsys.readouterr().err


def test_experiment_refuses_a_spec_with_the_wrong_classes(spec_file: Path, capsys) -> None:
    _fails(capsys, ["scale", "experiment", "--spec", str(spec_file)], "has 2 classes")


def test_report_needs_results_and_markers(tmp_path: Path, capsys) -> None:
    _fails(capsys, ["scale", "report", str(tmp_path)], "results.json: no such file", status=3)
    (tmp_path / "results.json").write_text("{}")
    _fails(capsys, ["scale", "report", str(tmp_path)], "not the results of an experiment")
    # the results of the earlier experiment (no format number, no conditions)
    earlier = {"config": {"scales": [1, 2]}, "seeds": [{"seed": 0, "rows": []}]}
    (tmp_path / "results.json").write_text(json.dumps(earlier))
    _fails(capsys, ["scale", "report", str(tmp_path)], "results of another format (1;")


def test_report_into_a_document_without_its_block(tmp_path: Path, capsys) -> None:
    """The committed results, into a page that lacks the results block: one line, and the
    page is left as it was."""
    pytest.importorskip("scipy")
    results = Path(__file__).resolve().parent.parent / "docs" / "scale-selection"
    doc = tmp_path / "page.md"
    doc.write_text("no blocks here\n")
    argv = ["scale", "report", str(results), "--doc", str(doc), "--figures", str(tmp_path)]
    _fails(capsys, argv, "no generated results block")
    assert doc.read_text() == "no blocks here\n"
