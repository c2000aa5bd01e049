"""Write the timm fixture of tests/test_timm_fixture.py: a tiny SK-ResNet made by timm itself
(its ``skresnet18`` recipe: timm's 64-wide 7x7 stem, one SK basic block in each of its four
stages, widths 8, 8, 16, 16, one input channel), with random weights and BatchNorm statistics,
an input batch, and the logits timm computes for it. Every value is drawn as a float16 and
stored as one (the logits are timm's float32 computation on those values), halving the file.

CI has no timm, so the weight-import test compares against these stored outputs instead of
against a live timm model. This script was run once, in a separate virtual environment with
torch 2.14.1, torchvision 0.29.1 and timm (the versions are recorded in the JSON it writes):

    python -m venv /tmp/timm-venv
    /tmp/timm-venv/bin/pip install torch==2.14.1 torchvision==0.29.1 timm safetensors
    /tmp/timm-venv/bin/python tools/make_timm_fixture.py

It imports nothing from skbuilder, so the fixture is timm's alone. Outputs (tests/data/):
``timm_tiny_skresnet.safetensors`` (timm's state dict, timm's key names),
``timm_tiny_skresnet_io.safetensors`` (``input`` and ``logits``) and ``timm_tiny_skresnet.json``
(how they were made).
"""

from __future__ import annotations

import json
from pathlib import Path

import timm
import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
NAME = "timm_tiny_skresnet"
#: timm.create_model arguments: skresnet18's blocks and SK settings, tiny stages.
ARGS = {"layers": [1, 1, 1, 1], "channels": [8, 8, 16, 16], "in_chans": 1, "num_classes": 4}
SEED = 0
INPUT_SHAPE = (2, 1, 24, 24)


def randomized(model: torch.nn.Module, g: torch.Generator) -> torch.nn.Module:
    """Every weight and BN statistic drawn at random, so no key could be swapped with another
    of the same shape (SK path 0 with path 1, say) without changing the outputs."""
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if key.endswith("running_var"):
                t.copy_(torch.empty(t.shape).uniform_(0.5, 1.5, generator=g))
            elif key.endswith(("running_mean", ".bias")):
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
            elif t.dim() == 1:  # BN scales
                t.copy_(torch.empty(t.shape).uniform_(0.5, 1.5, generator=g))
            else:
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=g) / fan_in**0.5)
            t.copy_(t.half().float())  # exactly representable in the float16 file
    return model


def main() -> None:
    g = torch.Generator().manual_seed(SEED)
    model = randomized(timm.create_model("skresnet18", pretrained=False, **ARGS), g).eval()
    x = torch.randn(INPUT_SHAPE, generator=g).half().float()
    with torch.no_grad():
        logits = model(x)
    OUT.mkdir(parents=True, exist_ok=True)
    state = {
        k: (v.half() if v.is_floating_point() else v).contiguous()
        for k, v in model.state_dict().items()
    }
    save_file(state, str(OUT / f"{NAME}.safetensors"))
    save_file({"input": x.half(), "logits": logits}, str(OUT / f"{NAME}_io.safetensors"))
    record = {
        "made_by": "tools/make_timm_fixture.py",
        "timm": timm.__version__,
        "torch": torch.__version__,
        "model": "skresnet18",
        "create_model_args": ARGS,
        "seed": SEED,
        "input_shape": list(INPUT_SHAPE),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    (OUT / f"{NAME}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
