"""The files every release carries agree: the version in pyproject.toml is the installed
package's, CITATION.cff's and a section of CHANGELOG.md; the license pyproject declares is the
text in LICENSE."""

from __future__ import annotations

import importlib.metadata
import re

import yaml

import skbuilder
from tests.conftest import ROOT


def project_version() -> str:
    """The version pyproject.toml declares (its one home)."""
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r'^version = "([^"]+)"$', text, flags=re.MULTILINE)
    assert found, "pyproject.toml has no version"
    return found.group(1)


def test_the_version_has_one_home() -> None:
    version = project_version()
    assert importlib.metadata.version("skbuilder") == version, "reinstall: make demo"
    assert skbuilder.__version__ == version
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d[^\]]*)\] - (\d{4}-\d\d-\d\d)$", changelog, re.MULTILINE)
    assert released and released[0][0] == version  # the newest release is this version
    assert str(citation["date-released"]) == released[0][1]


def test_the_license_declared_is_the_license_shipped() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^license = "Apache-2.0"$', text, flags=re.MULTILINE)
    assert re.search(r'^license-files = \["LICENSE"\]$', text, flags=re.MULTILINE)
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.split()[:5] == ["Apache", "License", "Version", "2.0,", "January"]
    assert "END OF TERMS AND CONDITIONS" in license_text
    metadata = importlib.metadata.metadata("skbuilder")
    assert metadata["License-Expression"] == "Apache-2.0"
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["license"] == "Apache-2.0"
