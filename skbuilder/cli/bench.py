"""``skbuilder bench SPEC [--baseline SPEC|timm:NAME]``: paired, interleaved timing of built
models (and timm's) in eager PyTorch, torch.compile or ONNX Runtime."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from skbuilder.cli.common import (
    MAX_BATCH,
    CLIError,
    MissingPackage,
    add_input_size_argument,
    add_run_arguments,
    add_spec_argument,
    add_threads_argument,
    bounded_int,
    check_run,
    image_size_from_args,
    read_spec_argument,
    require_package,
    spec_from_args,
)
from skbuilder.text import shown

if TYPE_CHECKING:
    from torch import nn

    from skbuilder.spec.schema import NetworkSpec

# skbuilder.bench's own constants, repeated so that --help loads no torch (a test compares them)
MODES = ("eager", "compile", "onnxruntime")
TIMM_PREFIX = "timm:"
MAX_REPEATS = 10_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench", help="time a model against a baseline (eager, compiled or ONNX Runtime)"
    )
    add_spec_argument(p)
    p.add_argument(
        "--baseline",
        metavar="SPEC|timm:NAME",
        help="the model to compare with: a spec, or a timm model such as timm:skresnext50_32x4d",
    )
    p.add_argument("--mode", choices=MODES, default="eager", help="how to run (default eager)")
    p.add_argument("--batch", type=bounded_int(1, MAX_BATCH), default=8, metavar="N")
    add_input_size_argument(p, aliases=("--image-size",))
    add_threads_argument(p, "torch (and ONNX Runtime) intra-op threads (default 1)")
    p.add_argument("--train", action="store_true", help="time a training step, not inference")
    p.add_argument(
        "--layout",
        choices=("channels_last", "nchw"),
        default="channels_last",
        help="memory format of inputs and weights (default channels_last)",
    )
    p.add_argument(
        "--no-fold",
        action="store_true",
        help="run the models as built, without folding BatchNorm into the convolutions",
    )
    p.add_argument("--repeats", type=bounded_int(1, MAX_REPEATS), default=10, metavar="N")
    p.add_argument("--warmup", type=bounded_int(0, MAX_REPEATS), default=1, metavar="N")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_run_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    baseline = args.baseline
    if baseline is not None and baseline.startswith(TIMM_PREFIX):
        require_package("timm", "pip install timm")
    if args.mode == "onnxruntime":
        if args.train:
            raise CLIError("--mode onnxruntime runs inference only; drop --train")
        for module in ("onnx", "onnxscript", "onnxruntime"):
            require_package(module, "pip install 'skbuilder[onnx]'")
    if args.train and args.batch < 2:
        raise CLIError("--train needs --batch 2 or more (BatchNorm statistics)")
    base_spec, base_folder = None, None
    if baseline is not None and not baseline.startswith(TIMM_PREFIX):
        base_spec, base_folder = read_spec_argument(
            baseline, max_params=args.max_params, max_macs=args.max_macs
        )
        if problem := base_spec.input_size_problem(size):
            raise CLIError(f"--baseline {shown(baseline, 200)} at {size}x{size}: {problem}")
    check_run(spec, size, args.batch, args)

    from skbuilder.bench import BenchConfig, BenchError, MissingDependency, load_subject, run_bench
    from skbuilder.bench.report import as_json, text

    try:
        models = dict([_subject(spec, args.model_folder)])
        if baseline is not None:
            label, model = (
                _subject(base_spec, base_folder)
                if base_spec is not None
                else load_subject(baseline)
            )
            if label in models:
                label += " (baseline)"
            models[label] = model
        config = BenchConfig(
            mode=args.mode,
            batch=args.batch,
            image_size=size,
            channels=spec.input.channels,
            threads=args.threads,
            train=args.train,
            repeats=args.repeats,
            warmup=args.warmup,
            channels_last=args.layout == "channels_last",
            fold=not args.no_fold,
            memory=not args.no_memory,
        )
        result = run_bench(models, config)
    except MissingDependency as exc:
        raise MissingPackage(str(exc)) from None
    except BenchError as exc:
        raise CLIError(str(exc)) from None
    print(as_json(result) if args.format == "json" else text(result))
    return 0


def _subject(spec: NetworkSpec, folder: Path | None) -> tuple[str, nn.Module]:
    """The model of ``spec``, with the weights of the saved model in ``folder`` if given."""
    from skbuilder.bench import load_subject

    label, model = load_subject(spec)
    if folder is not None:
        from skbuilder.interop.weights.model_folder import ModelFolderError, load_folder_weights

        try:
            load_folder_weights(model, folder)
        except ModelFolderError as exc:
            raise CLIError(str(exc)) from None
    return label, model
