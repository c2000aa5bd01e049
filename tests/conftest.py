"""Shared fixtures: the shipped specs and small tensors, with torch on one thread and seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
#: The tests that catch mistakes fastest, run first (and in this order) so that a broken layer
#: stops ``pytest -x`` within seconds instead of minutes into the suite: the reference oracle;
#: the built module and imported weights held to their description (defaults, composition,
#: costs, layer classes, zero-init); the SK and block properties; export and SyncBatchNorm
#: conversion (the slowest of them). benchmarks/mutation.py runs the same files as its first step.
FIRST = tuple(
    ROOT / name
    for name in (
        "tests/properties/test_prop_reference.py",
        "tests/test_build_contracts.py",
        "tests/test_timm_fixture.py",
        "tests/properties/test_prop_sk_conv.py",
        "tests/properties/test_prop_blocks.py",
        "tests/test_interop_contracts.py",
    )
)

# One thread: on a busy two-core machine two threads were measured many times slower.
torch.set_num_threads(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path, len(FIRST)))  # stable: the rest keep order


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
