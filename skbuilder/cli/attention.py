"""``skbuilder attention SPEC``: what each SK conv's select step does on one input, as a plot."""

from __future__ import annotations

import argparse
from pathlib import Path

from skbuilder import progress
from skbuilder.cli.common import (
    CLIError,
    add_input_size_argument,
    add_spec_argument,
    add_weights_arguments,
    image_size_from_args,
    load_weights_from_args,
    positive_int,
    spec_from_args,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "attention",
        help="plot the SK attention of every block for an image or a random input",
        description=(
            "Build the network, run one input through it in eval mode and plot, per SK conv, "
            "the mean attention on each branch and the per-channel attention on the largest "
            "kernel minus the smallest. Also prints the numbers as a table."
        ),
    )
    add_spec_argument(p)
    add_weights_arguments(p)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", metavar="FILE", help="image file (PNG; JPEG with Pillow)")
    source.add_argument("--random", action="store_true", help="a seeded random input batch")
    p.add_argument("--seed", type=int, default=0, help="seed of --random and of the weights")
    p.add_argument(
        "--batch", type=positive_int, default=4, metavar="N", help="batch of --random (4)"
    )
    add_input_size_argument(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.png",
        help="PNG to write (default: <spec name>-attention.png)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    output = Path(args.output or f"{spec.name}-attention.png")
    if output.suffix.lower() != ".png":
        raise CLIError(f"{output}: the plot is written as PNG; give a name ending in .png")
    if not output.parent.is_dir():
        raise CLIError(f"{output}: the folder {output.parent} does not exist")
    try:
        from skbuilder.render.attention_plot import save_attention_plot
    except ImportError:
        raise CLIError("plots need matplotlib: pip install 'skbuilder[viz]'") from None
    import torch

    from skbuilder.analysis.attention import AttentionCapture, stats_table
    from skbuilder.analysis.images import ImageError, image_batch, random_batch
    from skbuilder.nn.builder import build_model

    source = Path(args.image).name if args.image else f"random input, batch {args.batch}"
    names = ("build", "read the input", "forward", "plot")
    with progress.steps(f"attention {spec.name}", names) as step:
        step("build")
        torch.manual_seed(args.seed)
        model = build_model(spec).eval()
        capture = AttentionCapture(model)
        if not capture.sites:
            raise CLIError(f"{spec.name} has no SK convolutions: there is no attention to plot")
        weights = load_weights_from_args(model, args) or f"random weights (seed {args.seed})"
        step("read the input")
        try:
            if args.image:
                x = image_batch(args.image, size, channels=spec.input.channels)
            else:
                x = random_batch(args.batch, spec.input.channels, size, seed=args.seed)
        except ImageError as exc:
            raise CLIError(str(exc)) from None
        step("forward")
        with capture, torch.no_grad():
            model(x)
        stats = capture.stats()
        step("plot")
        title = f"{spec.name}: SK attention at {size}x{size}\n{source}; {weights}"
        save_attention_plot(stats, output, title=title)
    print(stats_table(stats))
    print(f"wrote {output}")
    return 0
