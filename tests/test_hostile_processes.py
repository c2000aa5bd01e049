"""Hostile conditions that need a process of their own: installed packages with broken
metadata (pydantic scans them before any command runs), a standard output that is full or
closed at the file-descriptor level, the scale experiment's worker processes, and torch's
compile cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skbuilder.torch_cache import CACHE_VARIABLES
from tests.conftest import ROOT
from tests.hostile_cases import VALID

KIND_SPEC = VALID.replace("{name: a,", "{name: a, block: mine,")


def _env(**extra: str) -> dict[str, str]:
    # CACHE_VARIABLES: an in-process test that imported the export or bench modules has set
    # them in this process, and a child would inherit them instead of choosing its own.
    dropped = ("PYTHONUNBUFFERED", "PYTHONSAFEPATH", *CACHE_VARIABLES)
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(OMP_NUM_THREADS="1", **extra)
    return env


def _installed(site: Path, name: str, entry_points: bytes, **modules: str) -> None:
    dist = site / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_bytes(entry_points)
    for module, text in modules.items():
        (site / f"{module}.py").write_text(text)


def test_broken_metadata_and_failing_pydantic_plugins_are_warnings(tmp_path: Path) -> None:
    """Unreadable metadata of an unrelated package, a pydantic plugin that calls sys.exit(0) and
    a block-kind entry point that does: each one warning line; the good spec passes, the spec
    needing the failed kind does not, and the exit status is the specs' own."""
    site = tmp_path / "site"
    _installed(site, "broken", b"[console_scripts]\nx = \xff\xfe\n")
    _installed(site, "unparsable", b"[pydantic]\nthis line has no equals sign\n")
    _installed(
        site,
        "exits",
        b"[pydantic]\nbye = pyd_exit\n[skbuilder.blocks]\nmine = ep_exit\n",
        pyd_exit="print('pydantic plugin printed')\nraise SystemExit(0)\n",
        ep_exit="raise SystemExit(0)\n",
    )
    (tmp_path / "good.yaml").write_text(VALID)
    (tmp_path / "bad.yaml").write_text(KIND_SPEC)
    done = subprocess.run(
        [sys.executable, "-m", "skbuilder", "validate", "good.yaml", "bad.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(PYTHONPATH=os.pathsep.join([str(site), str(ROOT)])),
        check=False,
        timeout=120,
    )
    err = done.stderr
    assert done.returncode == 1, err
    assert "Traceback" not in err
    assert done.stdout == "good.yaml: ok (tiny, 1 stages)\n"
    warnings = [line for line in err.splitlines() if line.startswith("skbuilder: warning: ")]
    assert len(warnings) == 3, err
    assert "broken-1.0.dist-info: UnicodeDecodeError" in err
    assert "unparsable-1.0.dist-info" in err
    assert "pydantic plugin skipped: entry point 'bye' (pyd_exit): it called sys.exit(0)" in err
    assert "unknown block kind 'mine'" in err and "'mine' failed to load" in err
    assert "pydantic plugin printed" in err  # a plugin's print goes to stderr


@pytest.mark.parametrize("stdout", ["full", pytest.param("closed", marks=pytest.mark.slow)])
def test_a_full_or_closed_stdout_is_one_line_and_status_3(tmp_path: Path, stdout: str) -> None:
    if stdout == "full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / "s.yaml").write_text(VALID)
    with open("/dev/full" if stdout == "full" else os.devnull, "w") as target:
        done = subprocess.run(
            [sys.executable, "-m", "skbuilder", "summary", "s.yaml"],
            stdout=target,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=_env(PYTHONPATH=str(ROOT)),
            preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
            check=False,
            timeout=120,
        )
    why = "no space left on device" if stdout == "full" else "it is closed"
    assert done.returncode == 3, done.stderr
    assert done.stderr == f"skbuilder: cannot write to standard output: {why}\n"


def _console_script() -> Path:
    script = Path(sys.executable).parent / "skbuilder"
    if not script.exists():
        pytest.skip("the skbuilder console script is not installed beside this Python")
    return script


PLUGIN = """from skbuilder.blocks import register_block
from skbuilder.blocks.bottleneck import SKBottleneck


@register_block("my_sk")
class MySK(SKBottleneck):
    title = "my SK bottleneck"
"""


@pytest.mark.slow
def test_experiment_workers_ignore_the_current_folder_and_get_the_plugins(tmp_path: Path) -> None:
    """``scale experiment --jobs 2`` from a folder holding a ``multiprocessing.py``, with a spec
    whose blocks come from a file plugin: the module never runs, each worker has the kind."""
    (tmp_path / "multiprocessing.py").write_text("raise SystemExit('the current folder ran')\n")
    (tmp_path / "blocks.py").write_text(PLUGIN)
    shipped = (ROOT / "skbuilder/specs/sknet_tiny_scenes.yaml").read_text()
    (tmp_path / "mine.yaml").write_text(shipped.replace("block: sk_bottleneck", "block: my_sk"))
    done = subprocess.run(
        [
            str(_console_script()),
            "scale",
            "experiment",
            "--spec",
            "mine.yaml",
            "--plugin",
            "./blocks.py",
            "--seeds",
            "0,1",
            "--epochs",
            "1",
            "--train-images",
            "64",
            "--test-images",
            "32",
            "--jobs",
            "2",
            "--out",
            "out",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(TMPDIR=str(tmp_path)),
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "current folder ran" not in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "out" / "results.json").is_file()
    assert not list(tmp_path.glob("torchinductor_*"))  # the compile cache is not left in TMPDIR


@pytest.mark.slow
def test_export_leaves_no_compile_cache_in_the_temp_folder(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(VALID)
    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "skbuilder", "export", "s.yaml", "-o", "m.pt2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(ROOT), TMPDIR=str(temp), XDG_CACHE_HOME=str(cache)),
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(temp.iterdir()) == []
    assert (cache / "skbuilder" / "torch").is_dir()
