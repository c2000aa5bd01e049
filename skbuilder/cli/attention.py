"""``skbuilder attention SPEC``: what each SK conv's select step does on one input, as a plot."""

from __future__ import annotations

import argparse
from pathlib import Path

from skbuilder import progress
from skbuilder.atomic_write import safe_file_name
from skbuilder.cli.common import (
    MAX_BATCH,
    MAX_SEED,
    CLIError,
    add_input_size_argument,
    add_run_arguments,
    add_spec_argument,
    add_weights_arguments,
    bounded_int,
    check_run,
    image_size_from_args,
    load_weights_from_args,
    output_path,
    require_package,
    spec_from_args,
)
from skbuilder.text import shown


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
    p.add_argument(
        "--seed",
        type=bounded_int(0, MAX_SEED),
        default=0,
        help="seed of --random and of the weights",
    )
    p.add_argument(
        "--batch",
        type=bounded_int(1, MAX_BATCH),
        default=4,
        metavar="N",
        help=f"batch of --random, 1 to {MAX_BATCH} (4)",
    )
    add_input_size_argument(p)
    add_run_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.png",
        help="PNG to write (default: <spec name>-attention.png in the current folder)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    # Everything that can be refused is checked before the network is built or run.
    default = f"{safe_file_name(spec.name, 'spec')}-attention.png"
    output = output_path(args.output or default, (".png",))
    require_package("matplotlib.figure", "pip install 'skbuilder[viz]'")
    check_run(spec, size, 1 if args.image else args.batch, args)
    from skbuilder.analysis.image_files import ImageError, image_size

    if args.image:
        try:
            image_size(args.image)  # the header only: refuses an image too large to decode
        except ImageError as exc:
            raise CLIError(str(exc)) from None
    import torch

    from skbuilder.analysis.attention import AttentionCapture, stats_table
    from skbuilder.analysis.images import image_batch, random_batch
    from skbuilder.nn.builder import build_model
    from skbuilder.render.attention_plot import save_attention_plot

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
    print(f"wrote {shown(output, 200)}")
    return 0
