"""The guarded loader of third-party code (``skbuilder/plugins.py``) from Python: a file plugin
runs as its own module without touching ``sys.path``, once, and can be found again by path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from skbuilder import plugins
from skbuilder.blocks.registry import get_block, load_plugin, source_module
from tests.hostile_run import isolated

PLUGIN = """from skbuilder.blocks import BlockKind, register_block
from skbuilder.blocks.ops import Conv

LOADS = globals().get("LOADS", 0) + 1


@register_block("from_file")
class FromFile(BlockKind):
    def layout(self, w_in, w_out, stride, params):
        return Conv(w_in, w_out, 3, stride)
"""


def test_a_file_plugin_is_its_own_module_and_is_found_again_by_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "yaml.py").write_text(PLUGIN)  # named like an installed module
    monkeypatch.chdir(tmp_path)
    path = list(sys.path)
    with isolated(tmp_path, ()):
        load_plugin("./yaml.py")
        load_plugin("./yaml.py")  # once per source
        name = plugins.module_name("./yaml.py")
        assert sys.modules[name].LOADS == 1
        assert sys.modules["yaml"] is yaml  # PyYAML untouched
        assert sys.path == path
        assert source_module(get_block("from_file")) == str(tmp_path / "yaml.py")
        assert plugins.loaded_plugins()[-1] == "./yaml.py"
    assert name not in sys.modules


@pytest.mark.parametrize(
    ("raised", "said"),
    [
        (SystemExit(0), "it called sys.exit(0)"),
        (KeyboardInterrupt(), "KeyboardInterrupt"),
        (GeneratorExit("g"), "GeneratorExit: g"),
        (ValueError("v\nsecond line"), "ValueError: v"),
    ],
)
def test_guarded_turns_anything_into_one_plugin_error(raised: BaseException, said: str) -> None:
    def action() -> None:
        print("to stdout")
        raise raised

    with pytest.raises(plugins.PluginError) as info:
        plugins.guarded("loading x", action)
    assert str(info.value) == f"loading x: {said}"


def test_guarded_prints_go_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert plugins.guarded("x", lambda: print("hello") or 7) == 7
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "hello\n"
