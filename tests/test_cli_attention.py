"""``skbuilder attention``: a plot and a table on good input, one line and exit 1 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from skbuilder import build_model, load_spec
from skbuilder.cli import main

pytest.importorskip("matplotlib")

TINY = {
    "name": "tiny",
    "input": {"image_size": 32},
    "stem": {"width": 8},
    "sk": {"G": 2, "r": 2, "L": 4},
    "stages": [
        {"name": "a", "depth": 2, "mid_width": 8, "out_width": 16, "stride": 1},
        {"name": "b", "depth": 1, "mid_width": 16, "out_width": 16, "stride": 2},
    ],
    "head": {"num_classes": 3},
}


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def _fails(capsys, argv: list[str], message: str, status: int = 1) -> None:
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert message in err.splitlines()[0], err  # the reason first; details may follow


def test_random_input_writes_the_plot_and_prints_the_table(
    spec_file: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "plot.png"
    assert main(["attention", str(spec_file), "--random", "--batch", "2", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:4]] == ["a.0.conv2", "a.1.conv2", "b.0.conv2"]
    assert lines[-1] == f"wrote {out}"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_default_output_name_is_the_spec_name(
    spec_file: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["attention", str(spec_file), "--random", "--input-size", "16"]) == 0
    assert (tmp_path / "tiny-attention.png").is_file()


def test_image_and_weights(spec_file: Path, tmp_path: Path, capsys) -> None:
    from matplotlib.image import imsave

    imsave(tmp_path / "in.png", torch.rand(20, 30, 3).numpy())
    model = build_model(load_spec(spec_file))
    torch.save(model.state_dict(), tmp_path / "w.pt")
    out = tmp_path / "plot.png"
    argv = ["attention", str(spec_file), "--image", str(tmp_path / "in.png")]
    assert main([*argv, "--weights", str(tmp_path / "w.pt"), "-o", str(out)]) == 0
    assert out.is_file()


def test_bad_input_is_explained(spec_file: Path, tmp_path: Path, capsys, specs_dir: Path) -> None:
    out = str(tmp_path / "o.png")
    spec = str(spec_file)
    _fails(
        capsys, ["attention", spec, "--image", "nope.png", "-o", out], "nope.png: no such file", 3
    )
    (tmp_path / "bad.png").write_text("text")
    _fails(
        capsys,
        ["attention", spec, "--image", str(tmp_path / "bad.png"), "-o", out],
        "cannot read image",
    )
    _fails(
        capsys,
        ["attention", spec, "--random", "--weights", str(tmp_path / "none.pt"), "-o", out],
        "no such file",
        3,
    )
    torch.save({"stem.x": torch.zeros(1)}, tmp_path / "w.pt")
    _fails(
        capsys,
        ["attention", spec, "--random", "--weights", str(tmp_path / "w.pt"), "-o", out],
        "state dict does not fit model",
    )
    _fails(
        capsys,
        ["attention", spec, "--random", "--timm-weights", str(tmp_path / "w.pt"), "-o", out],
        "state dict does not fit model",
    )
    _fails(capsys, ["attention", spec, "--random", "-o", str(tmp_path / "x.jpg")], "ending in .png")
    _fails(
        capsys,
        ["attention", spec, "--random", "-o", str(tmp_path / "no" / "o.png")],
        "not exist",
        3,
    )
    _fails(
        capsys, ["attention", spec, "--random", "--input-size", "4", "-o", out], "--input-size 4"
    )
    _fails(
        capsys,
        ["attention", str(specs_dir / "resnext50_32x4d.yaml"), "--random", "-o", out],
        "no SK convolutions",
    )
    assert not Path(out).exists()


def test_an_input_source_is_required(spec_file: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["attention", str(spec_file)])
    assert info.value.code == 2
