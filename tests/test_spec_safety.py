"""Loading a spec is safe: no code runs, and no input can exhaust time or memory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from skbuilder.spec import SpecError, load_spec, parse_spec
from skbuilder.spec.limits import Limits

VALID = "name: tiny\nstages:\n  - {depth: 1, out_width: 16, stride: 1}\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each level lists the previous one ``width`` times."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*l{i - 1}"] * width)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 1000  # a few hundred bytes that would expand to 9**9 values
    start = time.process_time()  # CPU time: a busy machine does not make it flaky
    with pytest.raises(SpecError) as info:
        parse_spec(bomb)
    elapsed = time.process_time() - start
    assert elapsed < 1.0
    (issue,) = info.value.issues
    assert "aliases expand to more than" in issue.message
    assert issue.line is not None


def test_many_aliases_are_refused_at_the_first_over_budget() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    with pytest.raises(SpecError) as info:
        parse_spec(text, limits=Limits(max_aliases=10))
    (issue,) = info.value.issues
    assert "more than 10 aliases" in issue.message
    assert (issue.line, issue.column) == (2, 1 + len("b: [") + 10 * len("*a, "))


def test_a_few_aliases_are_allowed_and_positions_point_at_the_use() -> None:
    text = (
        "name: tiny\n"
        "sk: &sk {G: 1, r: 4}\n"
        "head: {num_classes: &n 10}\n"
        "stages:\n"
        "  - {depth: 1, out_width: 16, stride: 1, sk: *sk}\n"
        "  - {depth: 1, out_width: 16, stride: 1, sk: *sk}\n"
    )
    spec = parse_spec(text)
    assert spec.stage_sk(1).r == 4
    with pytest.raises(SpecError) as info:
        parse_spec(text + "stem: *n\n")
    (issue,) = info.value.issues
    assert (issue.line, issue.column, issue.path) == (7, 7, ("stem",))
    assert issue.message == "expected a mapping (key: value), got `10`"


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f'name: !!python/object/apply:os.system ["touch {marker}"]\n' + VALID.split("\n", 1)[1]
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert "!!python/object/apply:os.system is not allowed" in str(info.value)
    assert not marker.exists()


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    text = "name: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert "nested deeper than" in str(info.value)


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(VALID + "#" * 5000 + "\n")
    with pytest.raises(SpecError) as info:
        load_spec(big, limits=Limits(max_bytes=4096))
    (issue,) = info.value.issues
    assert f"the spec is {big.stat().st_size:,} bytes, over 4,096" == issue.message


def test_unreadable_inputs_are_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(SpecError, match="byte 0xe9 is not UTF-8") as info:
        load_spec(bad)
    (issue,) = info.value.issues
    assert (issue.line, issue.column) == (1, 10)
    with pytest.raises(SpecError, match=r"character '\\x01' is not allowed"):
        parse_spec("name: a\x01b\n")


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("name: ünï\x01\n", 1, 10, "'\\x01' is not allowed"),
        ("name: a\nstages: [1, 2\n", 3, 1, "did not find expected ',' or ']'"),
        ("a:\n\tb: 1\n", 2, 1, "cannot start any token"),
        ("depth: 010\n", 1, 8, "octal number 8"),
    ],
)
def test_both_parsers_place_problems_alike(
    monkeypatch: pytest.MonkeyPatch, text: str, line: int, column: int, fragment: str
) -> None:
    """libyaml (byte offsets, its own messages) and PyYAML's pure-Python parser (the fallback
    where PyYAML is built without libyaml) report the same places."""
    from skbuilder.spec import yaml_io

    default = (yaml_io._Events, yaml_io._BYTE_POSITIONS)
    messages = []
    for events, byte_positions in (default, (yaml_io._PythonEvents, False)):
        monkeypatch.setattr(yaml_io, "_Events", events)
        monkeypatch.setattr(yaml_io, "_BYTE_POSITIONS", byte_positions)
        with pytest.raises(SpecError) as info:
            yaml_io.parse_yaml(text)
        (issue,) = info.value.issues
        assert (issue.line, issue.column) == (line, column), (events, str(issue))
        messages.append(issue.message)
    assert fragment in messages[0] or not default[1]  # the fragments are libyaml's wording
