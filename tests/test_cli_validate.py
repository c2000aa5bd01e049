"""``skbuilder validate`` over many specs: a line per spec or problem, a tally, the exit status,
and the problems as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skbuilder import load_spec
from skbuilder.cli import main
from skbuilder.spec import SpecError
from tests.conftest import SPECS


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return [str(issue) for issue in info.value.issues]


BAD = "name: x\nstages:\n  - {depth: 1, out_width: 8, stride: 3, blok: 1}\n"


def test_validate_many_reports_each_and_fails_if_any_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    good = str(SPECS / "sknet26.yaml")
    assert main(["validate", good, "sknet50"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{good}: ok (sknet26, 4 stages)",
        "sknet50: ok (sknet50, 4 stages)",
    ]
    assert main(["validate", good, str(bad), "nope"]) == 3  # a spec that cannot be read
    out, err = capsys.readouterr()
    assert out == f"{good}: ok (sknet26, 4 stages)\n"
    assert err.splitlines() == [
        *problems_of(bad),
        "nope: spec: no such file, and no shipped spec is named 'nope'; "
        "`skbuilder list` shows the shipped specs",
        "skbuilder: 2 problems in 1 of 3 specs; 1 spec could not be read",
    ]
    assert [line.split(": ", 2)[:2] for line in problems_of(bad)] == [
        [f"{bad}:3:38", "spec.stages.0.stride"],
        [f"{bad}:3:41", "spec.stages.0.blok"],
    ]


def test_validate_json_gives_problems_as_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert main(["validate", "--format", "json", "sknet50", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    ok, failed = report["specs"]
    assert ok == {"spec": "sknet50", "ok": True, "name": "sknet50", "stages": 4, "problems": []}
    assert failed["ok"] is False and failed["name"] is None
    assert failed["problems"][1] == {
        "file": str(bad),
        "line": 3,
        "column": 41,
        "path": "spec.stages.0.blok",
        "message": "unknown key 'blok'",
        "hint": "did you mean `block`?",
    }
    assert main(["validate", "--format", "json", "sknet50"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
