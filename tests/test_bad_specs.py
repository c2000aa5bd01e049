"""A corpus of wrong specs: each file's header says where every problem must be reported.

Header lines: ``# expect: [FILE:]LINE:COL PATH | FRAGMENT`` (FILE relative to the corpus, or
``@set`` for the file's ``--set`` override; default the file itself), ``# set: PATH=VALUE``,
``# max-params: N``. The spec must raise SpecError with exactly the expected issues, each at
its exact place and path, its text containing the fragment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from skbuilder.spec import SpecError, load_spec

CORPUS = Path(__file__).parent / "data" / "bad_specs"
EXPECT = re.compile(
    r"^# expect: (?:(?P<file>\S+):)?(?P<line>\d+):(?P<col>\d+) (?P<path>\S+) \| (.+)$"
)


@dataclass(frozen=True)
class Expected:
    source: str
    line: int
    column: int
    path: str
    fragment: str


def read_header(spec: Path) -> tuple[list[Expected], list[str], int | None]:
    expected: list[Expected] = []
    overrides: list[str] = []
    max_params = None
    for line in spec.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        if line.startswith("# set: "):
            overrides.append(line.removeprefix("# set: "))
        elif line.startswith("# max-params: "):
            max_params = int(line.removeprefix("# max-params: "))
        elif m := EXPECT.match(line):
            file = m["file"]
            source = (
                str(spec)
                if file is None
                else f"--set {overrides[0]}"
                if file == "@set"
                else str(CORPUS / file)
            )
            expected.append(Expected(source, int(m["line"]), int(m["col"]), m["path"], m[5]))
    return expected, overrides, max_params


SPECS = sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_large_and_every_file_has_expectations() -> None:
    assert len(SPECS) >= 40
    for spec in SPECS:
        assert read_header(spec)[0], f"{spec.name} has no '# expect:' line"


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_bad_spec_is_reported_at_its_place(spec: Path) -> None:
    expected, overrides, max_params = read_header(spec)
    with pytest.raises(SpecError) as info:
        load_spec(spec, overrides=overrides, max_params=max_params)
    issues = info.value.issues
    got = sorted(
        (i.source, i.line, i.column, ".".join(["spec", *map(str, i.path)])) for i in issues
    )
    want = sorted((e.source, e.line, e.column, e.path) for e in expected)
    assert got == want, "\n".join(map(str, issues))
    for e in expected:
        (issue,) = [
            i
            for i in issues
            if (i.source, i.line, i.column) == (e.source, e.line, e.column)
            and str(i).split(": ")[1] == e.path
        ]
        assert e.fragment in str(issue), str(issue)
        assert str(issue).startswith(f"{e.source}:{e.line}:{e.column}: {e.path}: ")


def test_cli_prints_every_issue_without_traceback() -> None:
    spec = CORPUS / "many_errors_at_once.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "skbuilder", "validate", str(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    expected, _, _ = read_header(spec)
    assert len(lines) == len(expected) + 1
    for line, e in zip(lines, sorted(expected, key=lambda e: (e.line, e.column))):
        assert line.startswith(f"{spec}:{e.line}:{e.column}: {e.path}: ")
    assert lines[-1] == f"skbuilder: {len(expected)} problems in the spec"
