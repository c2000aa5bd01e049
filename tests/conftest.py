"""Shared fixtures: the shipped specs and small tensors, with torch on one thread and seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
#: The tests that catch wrong math fastest (the reference oracle): they run first, so that a
#: broken layer stops ``pytest -x`` within seconds instead of minutes into the suite.
FIRST = (ROOT / "tests" / "properties" / "test_prop_reference.py",)

# One thread: on a busy two-core machine two threads were measured many times slower.
torch.set_num_threads(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path not in FIRST)  # stable: the rest keep their order


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
