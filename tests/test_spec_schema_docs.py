"""The shipped JSON Schema, its copy in docs/ and the rules page are what the code generates,
the shipped specs point their editors at it, and every field of every model is documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from skbuilder.cli import main
from skbuilder.spec import HeadSpec, InputSpec, NetworkSpec, SKSpec, StageSpec, StemSpec
from skbuilder.spec.json_schema import spec_json_schema_text
from skbuilder.spec.reference import BEGIN, END, field_reference, render
from skbuilder.spec.scalars import yaml11_only_booleans
from skbuilder.spec.shipped import SCHEMA_NAME, shipped_schema_text
from skbuilder.spec.yaml_io import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "specs" / SCHEMA_NAME
DOCS_COPY = ROOT / "docs" / SCHEMA_NAME
RULES = ROOT / "docs" / "spec-rules.md"
MODELS = (NetworkSpec, InputSpec, StemSpec, SKSpec, StageSpec, HeadSpec)


def test_shipped_schema_is_what_the_models_generate() -> None:
    generated = spec_json_schema_text()
    assert shipped_schema_text() == generated, "run: make docs"
    assert SCHEMA.read_text(encoding="utf-8") == generated, "run: make docs"
    assert DOCS_COPY.read_text(encoding="utf-8") == generated, "run: make docs"
    Draft202012Validator.check_schema(json.loads(generated))


def test_schema_command_prints_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == shipped_schema_text()


def test_schema_command_builds_no_model() -> None:
    """``skbuilder schema`` reads the shipped file: neither pydantic nor the models load."""
    code = (
        "import contextlib, io, sys\n"
        "from skbuilder.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['schema']) == 0\n"
        "assert out.getvalue().startswith('{')\n"
        "print(sorted(m for m in ('pydantic', 'skbuilder.spec.schema') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_yaml11_booleans_are_booleans_to_the_reader_and_the_schema() -> None:
    """An editor reading YAML 1.2 sees ``pool: yes`` as text, which the reader takes as a
    boolean: the schema accepts both readings."""
    validator = Draft202012Validator(json.loads(shipped_schema_text()))
    base = {"name": "n", "stages": [{"depth": 1, "out_width": 8, "stride": 1}]}
    assert yaml11_only_booleans()
    for word in yaml11_only_booleans():
        read = read_yaml(f"pool: {word}", "<test>").data["pool"]
        assert read is (word.lower() in ("yes", "on")), word
        assert yaml.safe_load(f"pool: '{word}'")["pool"] == word  # quoted, text to every reader
        assert validator.is_valid({**base, "stem": {"pool": word}}), word
        assert validator.is_valid({**base, "stem": {"pool": read}}), word
    assert not validator.is_valid({**base, "stem": {"pool": "yess"}})


def test_schema_output_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert schema["$defs"]["NetworkSpec"]["required"] == ["name", "stages"]
    assert schema["$defs"]["NetworkSpecPatch"]["required"] == ["extends"]


def test_shipped_specs_reference_the_schema(specs_dir: Path) -> None:
    """Beside the specs, the schema is found from a checkout and from an installed package."""
    for spec in sorted(specs_dir.rglob("*.yaml")):
        up = "../" * (len(spec.relative_to(specs_dir).parts) - 1)
        first = spec.read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema={up}{SCHEMA_NAME}", spec.name
        assert (spec.parent / f"{up}{SCHEMA_NAME}").resolve() == SCHEMA.resolve()


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
