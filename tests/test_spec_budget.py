"""The resource guard refuses a model over budget from the analytic summary, before any module
(hence any tensor) is made."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from torch import nn

from skbuilder import build_model
from skbuilder.analysis.summary import summarize
from skbuilder.spec import SpecError, parse_spec
from skbuilder.spec.budget import budget_issues
from skbuilder.text import human

HUGE = "name: huge\nstages:\n" + "".join(
    f"  - {{depth: 256, out_width: 65536, stride: {s}, block: bottleneck}}\n" for s in (1, 2, 2, 2)
)
TINY = "name: tiny\nstages:\n  - {depth: 1, out_width: 16, stride: 1}\n"


@pytest.fixture
def no_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: nn.Module, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"{type(self).__name__} was constructed")

    monkeypatch.setattr(nn.Module, "__init__", refuse)


@pytest.mark.usefixtures("no_modules")
def test_absurd_spec_is_refused_fast_without_constructing_a_module() -> None:
    spec = parse_spec(HUGE)
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        build_model(spec)
    assert time.perf_counter() - start < 5.0
    params = summarize(spec).params
    messages = [i.message for i in info.value.issues]
    assert any(f"{human(params)} parameters ({params:,}" in m for m in messages)
    assert any("MACs per image" in m for m in messages)


def test_budget_at_load_points_at_the_largest_stage() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(HUGE, source="huge.yaml", max_params=10**9)
    (issue,) = info.value.issues
    stages = summarize(parse_spec(HUGE)).stage_rows()
    worst = max(range(len(stages)), key=lambda i: stages[i].params)
    assert issue.path == ("stages", worst)
    assert (issue.source, issue.line, issue.column) == ("huge.yaml", 3 + worst, 5)
    assert "over the budget of 1.00G" in issue.message
    assert "--max-params" in (issue.hint or "")


def test_budget_is_configurable_and_none_disables_it() -> None:
    spec = parse_spec(TINY)
    params = summarize(spec).params
    assert budget_issues(spec, max_params=params, max_macs=None) == []
    (issue,) = budget_issues(spec, max_params=params - 1, max_macs=None)
    assert f"({params:,}," in issue.message
    model = build_model(spec, max_params=params)
    assert sum(p.numel() for p in model.parameters()) == params


def test_cli_refuses_over_budget_and_accepts_a_raised_budget(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)

    def validate(*extra: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "skbuilder", "validate", str(spec), *extra]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    refused = validate("--max-params", "1K")
    assert refused.returncode == 1
    assert f"{spec}:1:1: spec.head: the model would have" in refused.stderr
    assert "the head (1,000 classes) alone has 17.00K" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert validate("--max-params", "none", "--max-macs", "1G").returncode == 0


def test_refusal_names_the_stage_when_it_holds_most() -> None:
    text = "name: deep\nstages:\n  - {depth: 1, out_width: 64, stride: 1}\n"
    text += "  - {depth: 8, out_width: 512, stride: 2}\nhead: {num_classes: 10}\n"
    with pytest.raises(SpecError) as err:
        parse_spec(text, source="deep.yaml", max_params=10**6)
    (issue,) = err.value.issues
    assert issue.path == ("stages", 1) and (issue.line, issue.column) == (4, 5)
    assert "stage stage2 alone has" in issue.message
