"""Shared fixtures: the shipped specs and small tensors, with torch on one thread and seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
