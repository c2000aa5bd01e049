"""A non-editable install in a fresh virtual environment works from an empty folder: the shipped
specs and their JSON Schema travel inside the package.

The new environment gets the package from a wheel built out of a copy of this checkout; its
dependencies (torch, pydantic, ...) are those of the running environment, reached through a
``.pth`` file, so the test needs no network and no download.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_project_files import project_version

SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    ".hypothesis",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "*.egg-info",
    "out",
)


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_non_editable_install_from_an_empty_folder(tmp_path: Path) -> None:
    source, venv, empty = tmp_path / "source", tmp_path / "venv", tmp_path / "empty"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIP)
    empty.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The running environment's packages, after the new one's own (so skbuilder is the wheel's).
    (purelib / "running_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    scripts = sysconfig.get_path("scripts")  # where graphviz-pure is installed
    env.update(PATH=os.pathsep.join([str(venv / "bin"), scripts, env.get("PATH", "")]))
    env.update(OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps"]
    run([*pip, "--no-build-isolation", "--no-index", source], tmp_path, env)

    skbuilder = venv / "bin" / "skbuilder"
    assert "sknet50" in run([skbuilder, "list"], empty, env)
    assert "27,479,784" in run([skbuilder, "summary", "sknet50"], empty, env)
    # a spec in a subfolder whose base is a relative path, and one extending a spec by name
    assert "28,029,928" in run([skbuilder, "summary", "ablations/k3_5x5g64_sk"], empty, env)
    assert "27,559,896" in run([skbuilder, "summary", "senet50"], empty, env)
    run([skbuilder, "render", "sknet50", "-o", "n.svg"], empty, env)
    assert (empty / "n.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    code = (
        "import skbuilder; m = skbuilder.build_model('sknet50'); "
        "print(skbuilder.__file__); print(sum(p.numel() for p in m.parameters()))"
    )
    where, params = run([python, "-c", code], empty, env).split()
    assert Path(where).is_relative_to(purelib), where  # the installed copy, not the checkout
    assert params == "27479784"
    # the JSON Schema travels beside the specs, where their editor line points
    schema = (ROOT / "specs" / "spec.schema.json").read_text(encoding="utf-8")
    assert run([skbuilder, "schema"], empty, env) == schema
    for spec in ("sknet50.yaml", "ablations/k3.yaml"):
        installed = Path(where).parent / "specs" / spec
        line = installed.read_text(encoding="utf-8").splitlines()[0]
        target = installed.parent / line.split("$schema=", 1)[1]
        assert target.read_text(encoding="utf-8") == schema, spec
    # the studio's page and its assets come from the wheel (package data)
    pages = ["/", "/assets/studio.js", "/assets/studio.css", "/assets/favicon.svg"]
    code = (
        "from starlette.testclient import TestClient; "
        "from skbuilder.studio.app import Start, make_app; "
        "c = TestClient(make_app(Start('x', ''))); "
        f"print([c.get(p).status_code for p in {pages!r}])"
    )
    assert run([python, "-c", code], empty, env).split("\n")[-2] == "[200, 200, 200, 200]"
    assert sorted(os.listdir(empty)) == ["n.svg"]
    # the license text travels in the wheel; the version shown is the one pyproject declares
    licenses = list(purelib.glob("skbuilder-*.dist-info/licenses/LICENSE"))
    assert [p.read_bytes() for p in licenses] == [(ROOT / "LICENSE").read_bytes()]
    version = project_version()
    assert run([skbuilder, "--version"], empty, env).strip() == f"skbuilder {version}"
