"""The commands that build nothing, and the description layer, never import torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"

#: Runs in a fresh interpreter: every non-building command, then the description API.
PROBE = """
import contextlib, io, sys
from skbuilder.cli import main

out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
    for argv in {commands!r}:
        try:
            code = main(argv)
        except SystemExit as exc:  # --help, --version
            code = exc.code
        assert code == 0, (argv, code, out.getvalue())
import skbuilder
from skbuilder import load_spec, summarize, block_kinds
from skbuilder.blocks import get_block
from skbuilder.spec.walk import walk
spec = load_spec({spec!r})
summarize(spec); walk(spec)
for kind in block_kinds():
    get_block(kind)
loaded = sorted(m for m in ("torch", "numpy", "matplotlib") if m in sys.modules)
print("loaded:", loaded)
"""


def _saved_model_config(folder: Path) -> str:
    """A saved model's folder as far as the commands that build nothing read it: its config."""
    from skbuilder import __version__, load_spec
    from skbuilder.spec.model_files import CONFIG_NAME
    from skbuilder.spec.model_folder import ModelConfig

    folder.mkdir()
    config = ModelConfig(load_spec("sknet26"))
    (folder / CONFIG_NAME).write_text(config.as_json(__version__), encoding="utf-8")
    return str(folder)


def test_non_building_commands_do_not_import_torch(tmp_path: Path) -> None:
    spec = str(SPECS / "sknet101.yaml")
    saved = _saved_model_config(tmp_path / "saved")
    commands = [
        ["--help"],
        ["--version"],
        ["validate", spec],
        ["validate", spec, "sknet50", "--format", "json"],
        ["list"],
        ["list", "--format", "json"],
        ["summary", spec],
        ["summary", "sknet26"],
        ["dump", spec],
        ["schema"],
        ["render", spec, "-o", str(tmp_path / "n.dot")],
        ["render", spec, "-o", str(tmp_path / "b.dot"), "--level", "block"],
        ["render", spec, "-o", str(tmp_path / "s.dot"), "--level", "stage", "--rankdir", "LR"],
        ["summary", saved, "--set", "input.image_size=64"],
        ["validate", saved],
        ["dump", saved],
        ["render", saved, "-o", str(tmp_path / "saved.dot")],
    ]
    code = PROBE.format(commands=commands, spec=spec)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "loaded: []" in done.stdout, done.stdout


def test_help_imports_neither_the_schema_nor_any_heavy_library() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from skbuilder.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('torch', 'numpy', 'pydantic', 'yaml', 'graphviz', 'tqdm', 'matplotlib')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "loaded: []" in done.stdout, done.stdout
