"""timm's SK models vs the shipped specs: parameter counts and the largest output difference
after importing timm's (random) weights, at 224x224 in eval mode.

Run where timm is installed, from the repository root:
    python benchmarks/timm_parity.py [--input-size 224] [--batch 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skbuilder import build_model, progress  # noqa: E402
from skbuilder.interop.weights import import_timm_state_dict  # noqa: E402

PAIRS = [
    ("skresnet18", "skresnet18"),
    ("skresnet34", "skresnet34"),
    ("skresnext50_32x4d", "sknet50"),
]


def randomise_norms(model: torch.nn.Module) -> None:
    """Random BN statistics and affine terms, so eval-mode BN is not the identity."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)


def main() -> None:
    import timm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"timm {timm.__version__}, torch {torch.__version__}, input {args.input_size}")
    header = ("timm model", "spec", "timm params", "our params")
    header += ("max |out|", "max |diff|", "relative")
    print("{:<18} {:<11} {:>12} {:>12} {:>10} {:>10} {:>9}".format(*header))
    rows = []  # printed after the progress bar is gone
    for timm_name, spec_name in progress.bar(PAIRS, desc="models", unit="model"):
        theirs = timm.create_model(timm_name, pretrained=False).eval()
        randomise_norms(theirs)
        ours = build_model(ROOT / "specs" / f"{spec_name}.yaml").eval()
        import_timm_state_dict(ours, theirs.state_dict())
        x = torch.randn(args.batch, 3, args.input_size, args.input_size)
        with torch.no_grad():
            expected = theirs(x)
            diff = (ours(x) - expected).abs().max().item()
        n_theirs = sum(p.numel() for p in theirs.parameters())
        n_ours = sum(p.numel() for p in ours.parameters())
        scale = expected.abs().max().item()
        rows.append(
            f"{timm_name:<18} {spec_name:<11} {n_theirs:>12,} {n_ours:>12,} "
            f"{scale:>10.3g} {diff:>10.2e} {diff / scale:>9.1e}"
        )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
