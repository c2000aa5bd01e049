"""The profiler's marker lines are kept out of the output; everything else written to stderr
still shows."""

from __future__ import annotations

import os

import pytest
import torch

from skbuilder.native_stderr import without_profiler_chatter


def test_markers_dropped_other_lines_kept(capfd: pytest.CaptureFixture[str]) -> None:
    with without_profiler_chatter():
        os.write(2, b"USDT:2026-11-25 15:31:01 21836:21836 SyncActivityProfilerHandler.cpp:52] x\n")
        os.write(2, b"a real problem\n")
        os.write(2, b"STAGE:2026-11-25 15:31:01 21836:21836 Handler.cpp:60] Completed Stage\n")
    assert capfd.readouterr().err == "a real problem\n"


@pytest.mark.slow  # the profiler takes seconds to start
def test_the_profiler_says_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    from torch.profiler import ProfilerActivity, profile

    conv = torch.nn.Conv2d(3, 4, 3)
    with (
        without_profiler_chatter(),
        profile(activities=[ProfilerActivity.CPU], profile_memory=True),
    ):
        conv(torch.randn(1, 3, 8, 8)).sum().backward()
    assert capfd.readouterr().err == ""
