"""Progress: drawn on a terminal, silent elsewhere, and a long step's clock keeps ticking."""

from __future__ import annotations

import io
import time

import pytest

from skbuilder import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stderr as a terminal. Called in the test itself: pytest sets its own stderr again
    between a fixture and the test."""
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    return screen


def test_silent_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.steps("job", ["one", "two"]) as step:
        step("one")
        step("two")
    assert list(progress.bar(range(3), desc="loop")) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")


def test_steps_are_named_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    with progress.steps("export sknet50", ["build", "export ONNX", "check"]) as step:
        step("build")
        step("export ONNX")  # the optional check is skipped
    shown = terminal.getvalue()
    assert "export sknet50: build (step 1 of 3) [00:00]" in shown
    assert "export sknet50: export ONNX (step 2 of 3)" in shown
    assert "step 3" not in shown


def test_a_long_step_keeps_ticking(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress, "TICK", 0.02)
    with progress.steps("job", ["wait"]) as step:
        step("wait")
        time.sleep(0.3)
    assert terminal.getvalue().count("job: wait (step 1 of 1)") >= 5


def test_bar_counts_items(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    with progress.bar(desc="rounds", total=4, unit="round") as rounds:
        for _ in range(3):
            rounds.update(1)
            rounds.refresh()
    assert "rounds:  75%" in terminal.getvalue() and "3/4" in terminal.getvalue()
