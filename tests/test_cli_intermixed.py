"""Options go anywhere among a command's positional arguments, for every command."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from skbuilder.cli import main, make_parser


def _commands(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield words, parser
        return
    for name, sub in subs[0].choices.items():
        yield from _commands(sub, (*words, name))


COMMANDS = [
    (words, parser)
    for words, parser in _commands(make_parser())
    if parser._get_positional_actions()
]


@pytest.mark.parametrize(("words", "parser"), COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_an_option_between_positionals_parses_as_before_them(
    words: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    option = next(a for a in parser._get_optional_actions() if a.nargs is None and a.type is None)
    value = "x" if option.choices is None else str(list(option.choices)[-1])
    moved = [option.option_strings[-1], value]
    required = [a for a in parser._get_optional_actions() if a.required]
    required += [g._group_actions[0] for g in parser._mutually_exclusive_groups if g.required]
    needed = [w for a in required for w in (a.option_strings[-1], "x")[: 1 + (a.nargs != 0)]]
    positional = parser._get_positional_actions()[0]
    files = ["a.yaml", "b.yaml"] if positional.nargs == "+" else ["a.yaml"]
    before = make_parser().parse_args([*words, *needed, *moved, *files])
    between = make_parser().parse_args([*words, *needed, files[0], *moved, *files[1:]])
    assert vars(between) == vars(before)
    assert getattr(between, option.dest) in (value, [value])


def test_validate_takes_format_between_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = "name: a\nstages:\n  - {depth: 1, out_width: 8, stride: 1, block: basic}\n"
    (tmp_path / "a.yaml").write_text(spec)
    (tmp_path / "b.yaml").write_text(spec.replace("depth: 1", "depth: 0"))
    status = main(
        ["validate", str(tmp_path / "a.yaml"), "--format", "json", str(tmp_path / "b.yaml")]
    )
    assert status == 1
    report = json.loads(capsys.readouterr().out)
    assert [s["ok"] for s in report["specs"]] == [True, False]


def test_after_double_dash_every_word_is_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--", "--format"]) == 3
    assert "--format: spec: no such file" in capsys.readouterr().err
