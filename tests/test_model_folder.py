"""A model saved as one folder (config.json + model.safetensors) reloads whole: the same outputs
and the same summary, from Python and from the command line, for a plugin's kind too."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
import torch

from skbuilder import (
    SpecError,
    build_model,
    load_model,
    save_model,
    spec_from_dict,
    summarize,
)
from skbuilder.blocks.registry import unregister_block
from skbuilder.cli import main
from skbuilder.interop.weights.model_folder import ModelFolderError
from skbuilder.spec.model_files import CONFIG_NAME, WEIGHTS_NAME
from tests.tiny_specs import TINY, tiny_spec

PLUGIN = textwrap.dedent(
    '''
    from skbuilder.blocks import BlockKind, BlockParams, register_block
    from skbuilder.blocks.ops import SK, Chain, Conv, Op

    @register_block("folder_test_block")
    class FolderTestBlock(BlockKind):
        title = "folder test block"

        def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
            sk = SK(w_in, params.w_mid, stride, params.sk)
            return Chain((("sk", sk), ("project", Conv(params.w_mid, w_out))))
    '''
)


def _trained_looking(model: torch.nn.Module) -> torch.nn.Module:
    """Non-default values in every tensor, as training would leave them."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                noise = torch.rand(tensor.shape, generator=generator)
                tensor.copy_(noise + 0.5 if name.endswith("running_var") else noise - 0.5)
    return model.eval()


def _same_model(a: torch.nn.Module, b: torch.nn.Module, size: int = 32) -> None:
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        assert torch.equal(a(x), b(x))
    assert summarize(a.spec).table() == summarize(b.spec).table()


def test_save_and_reload_give_identical_outputs_and_summary(tmp_path) -> None:
    model = _trained_looking(build_model(tiny_spec(), num_classes=3))
    folder = save_model(model, tmp_path / "tiny")
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]
    assert [p.name for p in tmp_path.iterdir()] == ["tiny"]  # nothing staged is left behind
    config = json.loads((folder / CONFIG_NAME).read_text())
    assert config["spec"]["head"]["num_classes"] == 3 and config["plugins"] == {}

    again = load_model(folder)
    assert not again.training
    _same_model(model, again)
    with pytest.raises(SpecError, match=r"folder: load it with skbuilder\.load_model"):
        build_model(folder)  # a folder is not a spec file


def test_a_plugin_kind_is_recorded_and_required_at_reload(tmp_path, monkeypatch) -> None:
    (tmp_path / "folder_test_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        import folder_test_plugin  # noqa: F401  (registers the kind)

        data = {**TINY, "name": "custom", "stages": [{**TINY["stages"][0]}]}
        data["stages"][0]["block"] = "folder_test_block"
        model = _trained_looking(build_model(spec_from_dict(data)))
        folder = save_model(model, tmp_path / "custom")
        plugins = json.loads((folder / CONFIG_NAME).read_text())["plugins"]
        assert plugins == {"folder_test_block": "folder_test_plugin"}

        unregister_block("folder_test_block")
        sys.modules.pop("folder_test_plugin")
        with pytest.raises(ModelFolderError, match="'folder_test_block' from plugin module "):
            load_model(folder)
        assert main(["summary", str(folder)]) == 1

        again = load_model(folder, plugins=["folder_test_plugin"])
        _same_model(model, again)
    finally:
        unregister_block("folder_test_block")
        sys.modules.pop("folder_test_plugin", None)


def test_a_compiled_or_wrapped_model_is_saved_as_the_model_inside(tmp_path) -> None:
    model = _trained_looking(build_model(tiny_spec()))
    wrapped = torch.nn.Module()
    wrapped.module = torch.compile(model)  # a DistributedDataParallel keeps it as .module
    _same_model(model, load_model(save_model(wrapped, tmp_path / "m")))


def test_a_model_its_spec_would_not_rebuild_is_not_saved(tmp_path) -> None:
    model = build_model(tiny_spec())
    model.head.fc = torch.nn.Linear(32, 4)
    with pytest.raises(ModelFolderError, match="no longer matches its spec"):
        save_model(model, tmp_path / "changed")
    assert not (tmp_path / "changed").exists()

    swapped = build_model(tiny_spec(), act_layer=torch.nn.SiLU)
    again = load_model(save_model(swapped, tmp_path / "silu"))
    assert again.layer_classes[1] is torch.nn.SiLU


def test_an_older_model_is_replaced_whole_and_other_folders_are_refused(tmp_path) -> None:
    folder = save_model(build_model(tiny_spec()), tmp_path / "m")
    newer = _trained_looking(build_model(tiny_spec()))
    save_model(newer, folder)
    _same_model(newer, load_model(folder))

    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    with pytest.raises(OSError, match="not empty and holds no saved model"):
        save_model(newer, other)
    assert [p.name for p in other.iterdir()] == ["todo.txt"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something-else"), "not a skbuilder model config"),
        (lambda d: d.update(format_version=99), "format_version 99"),
        (lambda d: d["layers"].update(act_layer="os.system"), "not a layer class of torch.nn"),
        (lambda d: d["spec"]["stages"][0].update(depth=0), "depth"),
    ],
)
def test_a_bad_config_is_refused_with_its_file(tmp_path, change, message) -> None:
    folder = save_model(build_model(tiny_spec()), tmp_path / "m")
    data = json.loads((folder / CONFIG_NAME).read_text())
    change(data)
    (folder / CONFIG_NAME).write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message) as info:
        load_model(folder)
    assert CONFIG_NAME in str(info.value)


def test_weights_that_do_not_fit_are_refused_and_named(tmp_path) -> None:
    folder = save_model(build_model(tiny_spec()), tmp_path / "m")
    data = json.loads((folder / CONFIG_NAME).read_text())
    data["spec"]["head"]["num_classes"] = 4
    (folder / CONFIG_NAME).write_text(json.dumps(data))
    with pytest.raises(ModelFolderError, match=r"head\.fc\.weight: model") as info:
        load_model(folder)
    assert WEIGHTS_NAME in str(info.value)


def test_commands_accept_the_folder_where_they_accept_a_spec(tmp_path, capsys) -> None:
    model = _trained_looking(build_model(tiny_spec()))
    folder = save_model(model, tmp_path / "m")
    assert main(["summary", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == summarize(model.spec).table().strip()
    assert main(["render", str(folder), "-o", str(tmp_path / "m.dot")]) == 0


@pytest.mark.slow
def test_export_and_bench_run_the_folders_weights(tmp_path, capsys) -> None:
    model = _trained_looking(build_model(tiny_spec()))
    folder = save_model(model, tmp_path / "m")
    program = tmp_path / "m.pt2"
    assert main(["export", str(folder), "-o", str(program), "--input-size", "32"]) == 0
    exported = torch.export.load(program).module()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(exported(x), model(x), atol=1e-5)  # the folder's weights

    argv = ["bench", str(folder), "--batch", "2", "--repeats", "1", "--warmup", "0"]
    assert main([*argv, "--no-memory", "--input-size", "32", "--layout", "nchw"]) == 0
    assert "tiny_sk" in capsys.readouterr().out
