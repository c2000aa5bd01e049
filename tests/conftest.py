"""Shared fixtures: the shipped specs and small tensors, with torch on one thread and seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"

# One thread: on a busy two-core machine two threads were measured many times slower.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
