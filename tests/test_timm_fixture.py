"""timm's weights import by outputs, without timm: a tiny SK-ResNet that timm made (its
``skresnet18`` recipe, random weights and BatchNorm statistics), stored with an input and the
logits timm computed for it (tests/data/timm_tiny_skresnet*, written by
tools/make_timm_fixture.py), is imported into the model our spec builds, which must give the
same logits. A key mapped to another of the same shape (SK path 0 to branch 1) keeps every
shape and passes every key check; only the outputs show it."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from skbuilder import build_model, spec_from_dict
from skbuilder.interop.weights import import_timm_state_dict, load_state_dict_file

DATA = Path(__file__).resolve().parent / "data"
RECORD = json.loads((DATA / "timm_tiny_skresnet.json").read_text(encoding="utf-8"))
TOLERANCE = 1e-5

#: What timm.create_model("skresnet18", **RECORD["create_model_args"]) is, as a spec: timm's
#: 64-wide 7x7 stem with max-pool, SK basic blocks with split input, d = max(C/8, 16).
TINY_SKRESNET = {
    "name": "timm_tiny_skresnet",
    "input": {"channels": 1, "image_size": 24},
    "stem": {"kind": "classic", "width": 64, "pool": True},
    "sk": {"M": 2, "G": 1, "r": 8, "L": 16, "dilate": True, "split_input": True},
    "stages": [
        {"depth": 1, "out_width": 8, "stride": 1, "block": "sk_basic"},
        {"depth": 1, "out_width": 8, "stride": 2, "block": "sk_basic"},
        {"depth": 1, "out_width": 16, "stride": 2, "block": "sk_basic"},
        {"depth": 1, "out_width": 16, "stride": 2, "block": "sk_basic"},
    ],
    "head": {"num_classes": 4},
}


def imported() -> torch.nn.Module:
    model = build_model(spec_from_dict(TINY_SKRESNET)).eval()
    import_timm_state_dict(model, load_state_dict_file(DATA / "timm_tiny_skresnet.safetensors"))
    return model


def timm_io() -> tuple[torch.Tensor, torch.Tensor]:
    io = load_state_dict_file(DATA / "timm_tiny_skresnet_io.safetensors")
    return io["input"].float(), io["logits"]


def test_the_fixture_is_timms() -> None:
    assert RECORD["made_by"] == "tools/make_timm_fixture.py"
    assert RECORD["model"] == "skresnet18" and RECORD["timm"]
    args = RECORD["create_model_args"]
    stages = TINY_SKRESNET["stages"]
    assert args["channels"] == [s["out_width"] for s in stages]
    assert args["layers"] == [s["depth"] for s in stages]
    assert args["num_classes"] == TINY_SKRESNET["head"]["num_classes"]
    assert args["in_chans"] == TINY_SKRESNET["input"]["channels"]


def test_imported_timm_weights_give_timms_logits() -> None:
    model = imported()
    assert sum(p.numel() for p in model.parameters()) == RECORD["parameters"]
    x, logits = timm_io()
    with torch.no_grad():
        diff = (model(x) - logits).abs().max().item()
    assert diff <= TOLERANCE * max(1.0, logits.abs().max().item())


def test_swapped_sk_paths_would_show_in_the_logits() -> None:
    """The check above can fail: the same weights with two SK branches swapped (every shape
    kept) move the logits far beyond its tolerance."""
    model = imported()
    sk = model.stages[2][0].conv1
    with torch.no_grad():
        first = [t.clone() for t in sk.split[0].state_dict().values()]
        for t, other in zip(sk.split[0].state_dict().values(), sk.split[1].state_dict().values()):
            t.copy_(other)
        for t, saved in zip(sk.split[1].state_dict().values(), first):
            t.copy_(saved)
        x, logits = timm_io()
        assert (model(x) - logits).abs().max().item() > 100 * TOLERANCE
