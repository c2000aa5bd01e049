"""The layering of docs/architecture.md, held by import-linter's contracts in pyproject.toml:
the descriptions (blocks), the spec and the drawings never import ``skbuilder.nn`` or torch, not
even inside a function, and no two modules or sibling packages import each other in a circle."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

importlinter_cli = pytest.importorskip("importlinter.cli")

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert importlinter_cli.lint_imports(config_filename="pyproject.toml", no_cache=True) == 0


def test_an_import_from_the_descriptions_into_the_modules_would_be_found() -> None:
    """The contract's graph sees lazy imports: one added from an op to a layer is a chain."""
    graph = grimp.build_graph("skbuilder", cache_dir=None)
    assert not graph.find_shortest_chains("skbuilder.blocks", "skbuilder.nn", as_packages=True)
    graph.add_import(
        importer="skbuilder.blocks.ops.conv", imported="skbuilder.nn.layers.conv_bn_act"
    )
    assert graph.find_shortest_chains("skbuilder.blocks", "skbuilder.nn", as_packages=True)


def test_ops_build_through_the_registry_in_nn() -> None:
    """Every built-in op has a module, found by class; an op without one is refused by name."""
    from skbuilder.blocks.ops import Conv, Op
    from skbuilder.nn.layers.conv_bn_act import ConvBnAct
    from skbuilder.nn.ops import build_op

    class Wider(Conv):
        pass

    assert isinstance(build_op(Wider(4, 8, 3)), ConvBnAct)

    class Unknown(Op):
        def complexity(self, cx):  # type: ignore[no-untyped-def]
            return cx

        def lines(self):  # type: ignore[no-untyped-def]
            return ["?"]

    with pytest.raises(TypeError, match=r"no module is registered for op Unknown.*builds"):
        build_op(Unknown())
