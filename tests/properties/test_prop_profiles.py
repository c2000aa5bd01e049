"""Profile selection: fast by default, thorough on request, derandomized under CI."""

from __future__ import annotations

import pytest
from hypothesis import settings

from skbuilder.testing import load_profile
from skbuilder.testing.profiles import in_ci, profile_name


@pytest.fixture(autouse=True)
def _restore_profile():
    yield
    load_profile()  # back to what tests/properties/conftest.py chose from the environment


@pytest.mark.parametrize(
    ("environ", "name", "examples", "derandomize"),
    [
        ({}, "skbuilder-fast", 12, False),
        ({"HYPOTHESIS_PROFILE": "thorough"}, "skbuilder-thorough", 200, False),
        ({"CI": "true"}, "skbuilder-fast-ci", 12, True),
        ({"CI": "1", "HYPOTHESIS_PROFILE": "thorough"}, "skbuilder-thorough-ci", 200, True),
        ({"CI": "false"}, "skbuilder-fast", 12, False),
    ],
)
def test_profile_from_environment(environ, name, examples, derandomize) -> None:
    assert load_profile(environ=environ) == name
    assert settings.default.max_examples == examples
    assert settings.default.derandomize is derandomize
    assert settings.default.deadline is None
    if derandomize:
        assert settings.default.database is None


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown hypothesis profile 'fastest' \(known: fast"):
        load_profile(environ={"HYPOTHESIS_PROFILE": "fastest"})


def test_ci_detection() -> None:
    assert in_ci({"CI": "true"}) and in_ci({"CI": "1"})
    assert not in_ci({}) and not in_ci({"CI": ""}) and not in_ci({"CI": "0"})
    assert profile_name("fast", True) == "skbuilder-fast-ci"
