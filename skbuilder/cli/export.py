"""``skbuilder export SPEC -o FILE``: the built model as ONNX (``.onnx``) or a ``torch.export``
program (``.pt2``), optionally with weights, optionally checked against eager PyTorch."""

from __future__ import annotations

import argparse

from skbuilder import progress
from skbuilder.cli.common import (
    CLIError,
    add_input_size_argument,
    add_run_arguments,
    add_spec_argument,
    add_weights_arguments,
    check_run,
    image_size_from_args,
    load_weights_from_args,
    output_path,
    require_package,
    spec_from_args,
)
from skbuilder.interop import EXAMPLE_BATCH
from skbuilder.text import shown

FORMATS = {".onnx": "ONNX", ".pt2": "torch.export program"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the model as ONNX (.onnx) or torch.export (.pt2)")
    add_spec_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.onnx or FILE.pt2")
    add_input_size_argument(p, " to trace at")
    add_weights_arguments(p)
    add_run_arguments(p)
    p.add_argument(
        "--static-batch",
        action="store_true",
        help=f"fix the batch size at {EXAMPLE_BATCH} instead of dynamic",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="run the ONNX file with onnxruntime and print the largest difference from PyTorch",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = output_path(args.output, tuple(FORMATS))
    kind = FORMATS[output.suffix.lower()]
    if args.check and kind != "ONNX":
        raise CLIError("--check applies to .onnx output only")
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    # Everything that can be refused is checked before the network is built or traced.
    if kind == "ONNX":
        for module in ("onnx", "onnxscript", *(["onnxruntime"] if args.check else [])):
            require_package(module, "pip install 'skbuilder[onnx]'")
    check_run(spec, size, EXAMPLE_BATCH, args)
    from skbuilder.interop.export import (
        ExportError,
        example_input,
        export_onnx,
        onnx_max_abs_diff,
        save_program,
    )
    from skbuilder.nn.builder import build_model

    names = ["build", f"export {kind}", *(["check with onnxruntime"] if args.check else [])]
    with progress.steps(f"export {spec.name}", names) as step:
        step("build")
        model = build_model(spec).eval()
        load_weights_from_args(model, args)
        step(f"export {kind}")
        try:
            x = example_input(model, size)
            if kind == "ONNX":
                export_onnx(model, output, size, dynamic_batch=not args.static_batch)
            else:
                save_program(model, output, size, dynamic_batch=not args.static_batch)
        except ExportError as exc:
            raise CLIError(str(exc)) from None
        if args.check:
            step("check with onnxruntime")
            try:
                diff = onnx_max_abs_diff(model, output, x)
            except ExportError as exc:
                raise CLIError(str(exc)) from None
    shape = "x".join(str(s) for s in x.shape[1:])
    batch = str(EXAMPLE_BATCH) if args.static_batch else "any batch"
    print(f"wrote {shown(output, 200)} ({kind}, {batch} x {shape})")
    if args.check:
        print(f"max |onnxruntime - pytorch| = {diff:.3g} on a random batch")
    return 0
