"""``extends:`` as a strategic merge: named list items merge by name, ``$patch`` replaces or
deletes, unnamed items are refused with one clear problem; ``--set`` steps into lists by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from skbuilder.analysis.summary import summarize
from skbuilder.cli import main
from skbuilder.spec import SpecError, load_spec, parse_spec
from skbuilder.spec.dump import dump_spec


def _write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _with_stage(spec_name: str, stage: str, **changes: object) -> object:
    """The shipped spec with one stage's fields changed, built directly (the expectation)."""
    base = load_spec(spec_name)
    stages = [s.model_copy(update=changes) if s.name == stage else s for s in base.stages]
    return base.model_copy(update={"stages": stages})


def test_one_stage_override_keeps_the_other_stages(tmp_path: Path) -> None:
    path = _write(tmp_path, "extends: sknet50\nstages:\n  - {name: conv4, depth: 8}\n")
    composed = load_spec(path)
    expected = _with_stage("sknet50", "conv4", depth=8)
    assert composed == expected
    base, mine = summarize(load_spec("sknet50")), summarize(composed)
    assert mine.table() == summarize(expected).table()  # type: ignore[arg-type]
    assert mine.table().splitlines()[0] == "sknet50 @ 224x224"
    changed = [r.name for r, b in zip(mine.stage_rows(), base.stage_rows()) if r != b]
    assert [r.name for r in mine.stage_rows()] == ["conv2", "conv3", "conv4", "conv5"]
    assert changed == ["conv4"]
    # each added block of conv4 is one more identity block: the cost grows by equal steps
    seven = summarize(_with_stage("sknet50", "conv4", depth=7))  # type: ignore[arg-type]
    assert mine.params - seven.params == seven.params - base.params > 0
    assert mine.macs - seven.macs == seven.macs - base.macs > 0
    # the index form and the name form of --set give the same spec
    assert load_spec("sknet50", overrides=["stages.conv4.depth=8"]) == composed
    assert load_spec("sknet50", overrides=["stages.2.depth=8"]) == composed


def test_new_names_append_and_delete_removes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "extends: sknet50\n"
        "stages:\n"
        "  - {name: conv5, $patch: delete}\n"
        "  - {name: conv6, depth: 1, out_width: 1024, stride: 1}\n"
        "head: {$patch: delete}\n",
    )
    spec = load_spec(path)
    assert spec.stage_names() == ["conv2", "conv3", "conv4", "conv6"]
    assert spec.stages[3].depth == 1 and spec.stages[3].block == "sk_bottleneck"
    assert spec.head == type(spec.head)()  # the base's head removed: the default one


def test_replace_takes_a_list_or_mapping_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "extends: sknet50\n"
        "sk: {$patch: replace, kernels: [3, 5, 7]}\n"
        "stages:\n"
        "  - $patch: replace\n"
        "  - {name: only, depth: 2, mid_width: 64, out_width: 256, stride: 1}\n",
    )
    spec = load_spec(path)
    assert spec.stage_names() == ["only"]
    assert spec.sk.kernel_sizes == (3, 5, 7)
    assert spec.sk.G == type(spec.sk)().G  # replaced, so the base's G=32 is gone
    item = _write(
        tmp_path,
        "extends: sknet50\nstages:\n"
        "  - {name: conv3, $patch: replace, depth: 1, out_width: 512, stride: 2}\n",
        "item.yaml",
    )
    conv3 = load_spec(item).stages[1]
    assert (conv3.depth, conv3.mid_width) == (1, None)  # not merged: no mid_width of the base's


@pytest.mark.parametrize(
    ("stages", "line", "column", "fragment"),
    [
        ("  - {depth: 8}\n", 3, 5, "an item of a list merged by name needs a `name`"),
        ("  - {name: conv9, $patch: delete}\n", 3, 12, "no item named 'conv9' in the base"),
        ("  - {name: conv5, depth: 1, $patch: delete}\n", 3, 5, "holds only the `name`"),
        ("  - {name: conv4, depth: 2}\n  - {name: conv4, depth: 3}\n", 4, 12, "already used"),
        ("  - {name: conv4, $patch: merge}\n", 3, 27, "`$patch: merge` is not a directive"),
        ("  2: {depth: 8}\n", 3, 3, "changed by its name, `- {name: conv4"),
    ],
)
def test_merge_mistakes_are_one_problem_at_their_place(
    tmp_path: Path, stages: str, line: int, column: int, fragment: str
) -> None:
    path = _write(tmp_path, f"extends: sknet50\nstages:\n{stages}")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    first = info.value.issues[0]
    assert (first.source, first.line, first.column) == (str(path), line, column)
    assert fragment in str(first)
    if stages == "  - {depth: 8}\n":  # the list is left as the base has it: nothing else reported
        assert len(info.value.issues) == 1


def test_base_items_without_names_are_refused_not_guessed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "name: base\nstages:\n  - {depth: 1, out_width: 64, stride: 1}\n",
        "base.yaml",
    )
    path = _write(tmp_path, "extends: base.yaml\nstages:\n  - {name: a, depth: 2}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (issue,) = info.value.issues
    assert "the base's item 0 has no `name`" in issue.message
    assert "$patch: replace" in (issue.hint or "")


def test_unnamed_lists_are_replaced_whole(tmp_path: Path) -> None:
    base = "name: base\nsk: {branches: [{kernel: 3}, {kernel: 5}]}\n"
    base += "stages:\n  - {depth: 1, out_width: 64, stride: 1}\n"
    _write(tmp_path, base, "base.yaml")
    path = _write(tmp_path, "extends: base.yaml\nsk: {branches: [{kernel: 7}]}\n")
    spec = load_spec(path)
    assert [b.kernel for b in spec.sk.branches or ()] == [7]


def test_errors_in_merged_items_point_at_their_own_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "extends: sknet50\nstages:\n  - {name: conv4, depth: 0}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path, overrides=["stages.conv5.stride=3"])
    located = {(i.source, i.line, i.column, i.path) for i in info.value.issues}
    assert (str(path), 3, 26, ("stages", 2, "depth")) in located
    assert ("--set stages.conv5.stride=3", 1, 21, ("stages", 3, "stride")) in located


def test_patch_outside_extends_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec("name: x\nstages:\n  - {$patch: replace, depth: 1, out_width: 8, stride: 1}\n")
    (issue,) = info.value.issues
    assert (issue.line, issue.column) == (3, 6)
    assert "only applies in a spec that `extends:` another" in issue.message


def test_set_by_name_reports_the_names_it_knows() -> None:
    with pytest.raises(SpecError) as info:
        load_spec("sknet50", overrides=["stages.conv9.depth=2"])
    (issue,) = info.value.issues
    assert "no item named 'conv9' in a list of 4" in issue.message
    assert issue.hint == "did you mean `conv5`?"
    with pytest.raises(SpecError) as info:
        load_spec("sknet50", overrides=["stages.zzz.depth=2"])
    assert info.value.issues[0].hint == "the names here: conv2, conv3, conv4, conv5"


def test_dump_shows_the_merged_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "extends: sknet50\nname: mine\nstages:\n  - {name: conv4, depth: 8}\n")
    assert main(["dump", str(path)]) == 0
    printed = capsys.readouterr().out
    assert printed == dump_spec(load_spec(path))
    assert parse_spec(printed) == load_spec(path)
    assert "{name: conv4, depth: 8," in printed and printed.count("name: conv") == 4
