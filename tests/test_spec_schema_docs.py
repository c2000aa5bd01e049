"""The committed JSON Schema and the rules page are what the code generates, and every field
of every model is documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skbuilder.cli import main
from skbuilder.spec import HeadSpec, InputSpec, NetworkSpec, SKSpec, StageSpec, StemSpec
from skbuilder.spec.reference import BEGIN, END, field_reference, render

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "spec.schema.json"
RULES = ROOT / "docs" / "spec-rules.md"
MODELS = (NetworkSpec, InputSpec, StemSpec, SKSpec, StageSpec, HeadSpec)


def test_committed_schema_equals_cli_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert SCHEMA.read_text(encoding="utf-8") == capsys.readouterr().out


def test_schema_output_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert schema["then"]["required"] == ["name", "stages"]
    assert "extends" in schema["properties"]


def test_shipped_specs_reference_the_schema(specs_dir: Path) -> None:
    for spec in sorted(specs_dir.rglob("*.yaml")):
        up = "../" * len(spec.relative_to(specs_dir).parts)
        first = spec.read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema={up}docs/spec.schema.json", spec.name
        assert (spec.parent / f"{up}docs/spec.schema.json").resolve() == SCHEMA


def test_rules_page_is_in_sync_with_the_schema() -> None:
    page = RULES.read_text(encoding="utf-8")
    assert render(page) == page, "run: python -m skbuilder.spec.reference docs/spec-rules.md"
    generated = page.split(BEGIN, 1)[1].split(END, 1)[0]
    assert generated.strip() == field_reference().strip()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_of_every_model_is_documented(model: type) -> None:
    section = RULES.read_text(encoding="utf-8").split(f"### {model.__name__}\n", 1)[1]
    section = section.split("\n### ", 1)[0]
    for name in model.model_fields:
        assert f"| `{name}` |" in section, f"{model.__name__}.{name} missing from spec-rules.md"
