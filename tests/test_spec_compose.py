"""extends:, --set overrides, and the canonical dump: errors keep the file they came from, and
loading a dump gives back the same spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skbuilder.cli import main
from skbuilder.spec import SpecError, load_spec, parse_spec
from skbuilder.spec.dump import dump_spec

BASE = """\
name: base
sk: {M: 2, G: 4, r: 4, L: 8}
stages:
  - {name: a, depth: 2, mid_width: 32, out_width: 64, stride: 1}
  - {name: b, depth: 2, mid_width: 64, out_width: 128, stride: 2, sk: {kernels: [3, 5, 7]}}
head: {num_classes: 10}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "bases").mkdir()
    (tmp_path / "bases" / "base.yaml").write_text(BASE)
    return tmp_path


def test_extends_merges_mappings_and_replaces_lists(tree: Path) -> None:
    child = tree / "child.yaml"
    child.write_text("extends: bases/base.yaml\nname: child\nsk: {G: 8}\n")
    spec = load_spec(child)
    base = load_spec(tree / "bases" / "base.yaml")
    assert spec.name == "child"
    assert spec.sk.G == 8 and spec.sk.r == base.sk.r
    assert spec.stages == base.stages
    assert spec.head == base.head


def test_errors_point_at_the_file_that_holds_the_value(tree: Path) -> None:
    child = tree / "child.yaml"
    child.write_text("extends: bases/base.yaml\nsk: {G: 5}\nhead: {dropout: 1.5}\n")
    with pytest.raises(SpecError) as info:
        load_spec(child)
    # the head's error and the rule broken by G (reported where the base sets the width)
    base = str(tree / "bases" / "base.yaml")
    located = {(i.source, i.line, i.column, i.path) for i in info.value.issues}
    assert (str(child), 3, 17, ("head", "dropout")) in located
    assert (base, 4, 36, ("stages", 0, "mid_width")) in located
    assert "G=5 must divide mid_width 32" in str(info.value)
    child.write_text("extends: bases/base.yaml\nsk: {G: 5}\n")
    with pytest.raises(SpecError) as info:
        load_spec(child)
    located = {(i.source, i.line, i.column, i.path) for i in info.value.issues}
    assert (base, 4, 36, ("stages", 0, "mid_width")) in located
    assert all(i.path[:1] != ("head",) for i in info.value.issues)


def test_extends_cycle_through_two_files(tree: Path) -> None:
    (tree / "a.yaml").write_text("extends: b.yaml\n")
    (tree / "b.yaml").write_text("name: b\nextends: a.yaml\n")
    with pytest.raises(SpecError) as info:
        load_spec(tree / "a.yaml")
    (issue,) = info.value.issues
    assert issue.source == str(tree / "b.yaml") and issue.line == 2
    assert issue.message == "`extends` makes a cycle: a.yaml -> b.yaml -> a.yaml"


def test_extends_may_not_leave_the_tree_even_through_a_base(tree: Path) -> None:
    (tree / "bases" / "sneaky.yaml").write_text("extends: ../../outside.yaml\n")
    (tree / "child.yaml").write_text("extends: bases/sneaky.yaml\n")
    with pytest.raises(SpecError, match="leaves the spec's directory"):
        load_spec(tree / "child.yaml")
    with pytest.raises(SpecError, match="must be a relative path"):
        parse_spec(f"extends: {tree / 'bases' / 'base.yaml'}\n")


def test_overrides_set_values_in_order(tree: Path) -> None:
    spec = load_spec(
        tree / "bases" / "base.yaml",
        overrides=["stages.1.depth=5", "head.dropout=0.25", "sk.kernels=[3, 5]", "sk.M="],
    )
    assert spec.stages[1].depth == 5
    assert spec.head.dropout == 0.25
    assert spec.sk.kernel_sizes == (3, 5)


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ("stages.1.depth=no", 16, "YAML reads `no` as the boolean false"),
        ("stages.7.depth=2", 1, "no item 7 in a list of 2"),
        ("name.first=x", 1, "is not a mapping or a list"),
        ("depth", 1, "expected PATH=VALUE"),
        ("stage.1.depth=2", 1, "did you mean `stages`?"),
        ("sk.G=[1, 2", 11, "YAML error"),
    ],
)
def test_override_errors_name_the_override(
    tree: Path, override: str, column: int, fragment: str
) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tree / "bases" / "base.yaml", overrides=[override])
    issue = info.value.issues[0]
    assert (issue.source, issue.line, issue.column) == (f"--set {override}", 1, column)
    assert fragment in str(issue)


@pytest.mark.parametrize("name", ["sknet50", "sknet26", "skresnet18", "resnext50_32x4d"])
def test_dump_round_trips_shipped_specs(specs_dir: Path, name: str) -> None:
    spec = load_spec(specs_dir / f"{name}.yaml")
    again = parse_spec(dump_spec(spec))
    assert again == spec
    assert [again.stage_sk(i) for i in range(len(spec.stages))] == [
        spec.stage_sk(i) for i in range(len(spec.stages))
    ]


def test_dump_keeps_stage_sk_overrides_as_overrides(tree: Path) -> None:
    spec = load_spec(tree / "bases" / "base.yaml", overrides=["sk.G=8"])
    text = dump_spec(spec)
    assert "kernels: [3, 5, 7]" in text and "M: null" not in text
    again = parse_spec(text)
    assert again == spec and again.stage_sk(1) == spec.stage_sk(1)
    assert again.stage_sk(1).G == 8


def test_cli_dump_applies_set_and_writes_atomically(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tree / "bases" / "base.yaml"
    assert main(["dump", str(base), "--set", "stages.0.depth=7"]) == 0
    printed = capsys.readouterr().out
    assert parse_spec(printed).stages[0].depth == 7
    out = tree / "resolved.yaml"
    assert main(["dump", str(base), "-o", str(out)]) == 0
    assert parse_spec(out.read_text()) == load_spec(base)
    assert [p.name for p in tree.iterdir() if p.name.startswith(".")] == []


def test_cli_set_error_exits_1_without_traceback(tree: Path) -> None:
    cmd = [sys.executable, "-m", "skbuilder", "summary", str(tree / "bases" / "base.yaml")]
    result = subprocess.run(
        [*cmd, "--set", "stages.0.stride=3"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("--set stages.0.stride=3:1:17: spec.stages.0.stride: ")
    assert "Traceback" not in result.stderr
