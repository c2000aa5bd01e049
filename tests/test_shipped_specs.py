"""Shipped specs by name (load_spec, build_model, extends:, the CLI), the catalogue, and
validating many specs at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skbuilder import build_model, load_spec
from skbuilder.analysis.summary import summarize
from skbuilder.cli import main
from skbuilder.spec import SpecError, parse_spec
from skbuilder.spec import shipped as shipped_module
from skbuilder.spec.shipped import resolve_spec, shipped_dir, shipped_specs
from tests.conftest import SPECS

STAGES = "stages:\n  - {depth: 1, out_width: 8, stride: 1}\n"


@pytest.fixture
def own_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in folder of shipped specs with a subfolder."""
    root = tmp_path / "shipped"
    (root / "family").mkdir(parents=True)
    (root / "base.yaml").write_text("name: base\n" + STAGES)
    (root / "family" / "wide.yml").write_text("extends: ../base.yaml\nname: wide\n")
    (root / "loop_a.yaml").write_text("extends: loop_b\n")
    (root / "loop_b.yaml").write_text("extends: loop_a\n")
    monkeypatch.setattr(shipped_module, "shipped_dir", lambda: root)
    return root


def test_the_package_ships_every_spec_of_the_repository() -> None:
    assert shipped_dir() == SPECS.resolve()
    expected = {
        p.relative_to(SPECS).with_suffix("").as_posix(): p.resolve() for p in SPECS.rglob("*.yaml")
    }
    assert shipped_specs() == dict(sorted(expected.items()))
    assert "sknet50" in shipped_specs()


def test_a_name_loads_the_shipped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_spec("sknet50") == load_spec(SPECS / "sknet50.yaml")
    assert load_spec("sknet50.yaml") == load_spec(SPECS / "sknet50.yaml")


def test_a_file_that_exists_wins_over_a_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sknet50").write_text("name: mine\n" + STAGES)
    assert load_spec("sknet50").name == "mine"
    (tmp_path / "sknet26").mkdir()  # a folder is not a spec: the name still works
    assert load_spec("sknet26").name == "sknet26"


def test_subfolder_names_and_their_relative_bases(own_catalogue: Path) -> None:
    assert list(shipped_specs()) == ["base", "family/wide", "loop_a", "loop_b"]
    assert load_spec("family/wide").name == "wide"
    assert resolve_spec("family/wide.yml") == own_catalogue / "family" / "wide.yml"


def test_a_cycle_of_shipped_names_is_named(own_catalogue: Path) -> None:
    with pytest.raises(SpecError, match=r"makes a cycle: loop_a\.yaml -> loop_b\.yaml -> loop_a"):
        load_spec("loop_a")


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(SpecError) as info:
        load_spec("sknet5")
    (issue,) = info.value.issues
    assert str(issue) == (
        "sknet5: spec: no such file, and no shipped spec is named 'sknet5'; did you mean `sknet50`?"
    )
    with pytest.raises(SpecError, match="`skbuilder list` shows the shipped specs"):
        load_spec("zzzz")


def test_a_missing_path_to_a_shipped_spec_says_to_use_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match="the shipped spec `sknet50` is read by its name alone"):
        load_spec("specs/sknet50.yaml")
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec("elsewhere/mine.yaml")


def test_extends_a_shipped_spec_from_ones_own_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("extends: sknet50\nname: mine\nhead: {num_classes: 10}\n")
    spec = load_spec(tmp_path / "mine.yaml")
    base = load_spec("sknet50")
    assert spec.name == "mine" and spec.head.num_classes == 10
    assert spec.stages == base.stages and spec.sk == base.sk


def test_extends_keeps_its_path_rules(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sknet26.yaml").write_text("name: outside\n")
    (tmp_path / "sub" / "a.yaml").write_text("extends: ../sknet26.yaml\n")
    with pytest.raises(SpecError, match="leaves the spec's directory"):
        load_spec(tmp_path / "sub" / "a.yaml")
    (tmp_path / "sub" / "b.yaml").write_text("extends: sknet5\n")
    missing = r"`extends: sknet5`: no such file or directory; did you mean"
    with pytest.raises(SpecError, match=missing):
        load_spec(tmp_path / "sub" / "b.yaml")
    with pytest.raises(SpecError, match="must be a relative path"):
        parse_spec(f"extends: {SPECS / 'sknet50.yaml'}\n", base_dir=tmp_path)


def test_a_local_file_named_like_a_shipped_spec_is_the_base(tmp_path: Path) -> None:
    (tmp_path / "sknet50").write_text("name: local\n" + STAGES)
    (tmp_path / "mine.yaml").write_text("extends: sknet50\n")
    assert load_spec(tmp_path / "mine.yaml").name == "local"


def test_build_model_by_name() -> None:
    """The name is read (its size checked against the budget) before anything is built."""
    with pytest.raises(SpecError, match=r"27.48M parameters \(27,479,784"):
        build_model("sknet50", max_params=1000)


def test_list_prints_the_catalogue_from_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "reproduces", "params", "MACs"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert list(rows) == list(shipped_specs())
    for name, line in rows.items():
        summary = summarize(load_spec(name))
        assert f"{summary.params:,}" in line, name
    assert "SKNet-50 (paper Table 1)" in rows["sknet50"] and "4.46G @224" in rows["sknet50"]


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", "json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert list(entries) == list(shipped_specs())
    sknet50 = entries["sknet50"]
    assert (sknet50["params"], sknet50["image_size"], sknet50["problem"]) == (27479784, 224, None)
    assert sknet50["macs"] == summarize(load_spec("sknet50")).macs
    assert all(e["description"] for e in entries.values())
