"""``skbuilder export SPEC -o FILE``: the built model as ONNX (``.onnx``) or a ``torch.export``
program (``.pt2``), optionally with weights, optionally checked against eager PyTorch."""

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
    spec_from_args,
)

FORMATS = {".onnx": "ONNX", ".pt2": "torch.export program"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the model as ONNX (.onnx) or torch.export (.pt2)")
    add_spec_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.onnx or FILE.pt2")
    add_input_size_argument(p, " to trace at")
    add_weights_arguments(p)
    p.add_argument(
        "--static-batch", action="store_true", help="fix the batch size at 2 instead of dynamic"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="run the ONNX file with onnxruntime and print the largest difference from PyTorch",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from skbuilder.interop.export import (
        ExportError,
        example_input,
        export_onnx,
        onnx_max_abs_diff,
        save_program,
    )
    from skbuilder.nn.builder import build_model

    output = Path(args.output)
    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise CLIError(f"-o {output}: unknown format; use a name ending in .onnx or .pt2")
    if not output.parent.is_dir():
        raise CLIError(f"-o {output}: folder {output.parent} does not exist")
    if args.check and kind != "ONNX":
        raise CLIError("--check applies to .onnx output only")
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
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
    batch = "2" if args.static_batch else "any batch"
    print(f"wrote {output} ({kind}, {batch} x {shape})")
    if args.check:
        print(f"max |onnxruntime - pytorch| = {diff:.3g} on a random batch")
    return 0
