"""A built model out of Python: ``torch.export`` programs (``.pt2``) and ONNX files (``.onnx``).

Both trace the model in eval mode (BatchNorm uses its running statistics) with a dynamic batch
dimension, so one file serves any batch size at the traced image size. Both are serialised in
memory and written by ``write_atomic`` (a temp file next to the target, then ``os.replace``), so
a full disk is a Python error (``OutputFileError``), never a crash inside the exporter.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import Tensor, nn

from skbuilder.atomic_write import write_atomic
from skbuilder.interop import EXAMPLE_BATCH
from skbuilder.torch_cache import use_private_compile_cache

use_private_compile_cache()  # torch compiles here: its cache stays out of the shared temp folder

#: Largest batch the exported programs accept (torch.export needs a bound to reason with).
MAX_BATCH = 4096
#: Batch of the random input the model is traced (and checked) with.
#: ONNX tensor names of the model's input and output.
INPUT_NAME, OUTPUT_NAME = "image", "logits"
#: A single-file ONNX model is one protobuf message, which cannot exceed 2 GiB.
ONNX_MAX_BYTES = 2**31 - 1


class ExportError(ValueError):
    """The model cannot be exported as asked (an input size it cannot take, packages missing)."""


def example_input(
    model: nn.Module, input_size: int | None = None, *, batch: int = EXAMPLE_BATCH
) -> Tensor:
    """A random batch of the shape the model takes; ``input_size`` defaults to the spec's.

    Checks the size against the spec's stride rules, so a too-small image is refused up front.
    """
    spec = getattr(model, "spec", None)
    if input_size is None:
        if spec is None:
            raise ExportError("input_size is needed for a model built without a spec")
        input_size = spec.input.image_size
    if input_size < 1:
        raise ExportError(f"input size must be positive, got {input_size}")
    if spec is not None and (problem := spec.input_size_problem(input_size)):
        raise ExportError(f"input size {input_size}: {problem}")
    channels = spec.input.channels if spec is not None else 3
    return torch.randn(batch, channels, input_size, input_size)


def _dynamic_batch(dynamic_batch: bool) -> dict[str, dict[int, object]] | None:
    if not dynamic_batch:
        return None
    return {"x": {0: torch.export.Dim("batch", min=1, max=MAX_BATCH)}}


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Mute the ONNX exporter's notes on operators this model never uses (torchvision's) and
    its deprecation chatter; real failures still raise."""
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        logger.setLevel(level)


def export_program(
    model: nn.Module, input_size: int | None = None, *, dynamic_batch: bool = True
) -> torch.export.ExportedProgram:
    """The model as a ``torch.export`` program (eval mode, dynamic batch by default)."""
    x = example_input(model, input_size)
    with _eval_mode(model), torch.no_grad():
        return torch.export.export(model, (x,), dynamic_shapes=_dynamic_batch(dynamic_batch))


def _require_onnx_exporter() -> None:
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            f"ONNX export needs onnx and onnxscript ({exc.name} is missing; "
            "pip install 'skbuilder[onnx]')"
        ) from None


def export_onnx(
    model: nn.Module,
    path: str | Path,
    input_size: int | None = None,
    *,
    dynamic_batch: bool = True,
    opset: int | None = None,
    batch: int = EXAMPLE_BATCH,
) -> Path:
    """Write the model as one self-contained ONNX file (input ``image``, output ``logits``);
    traced at ``batch``, which is also the fixed batch when not ``dynamic_batch``."""
    _require_onnx_exporter()
    path = Path(path)
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    if weights > ONNX_MAX_BYTES:
        raise ExportError(
            f"the weights take {weights:,} bytes; a single ONNX file holds at most 2 GiB"
        )
    x = example_input(model, input_size, batch=batch)
    with _eval_mode(model), torch.no_grad(), _quiet_exporter():
        program = torch.onnx.export(
            model,
            (x,),
            dynamo=True,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=_dynamic_batch(dynamic_batch),
            verbose=False,
        )
    if program is None:
        raise ExportError("the ONNX exporter returned no program")
    write_atomic(path, program.model_proto.SerializeToString())
    return path


def save_program(
    model: nn.Module,
    path: str | Path,
    input_size: int | None = None,
    *,
    dynamic_batch: bool = True,
) -> Path:
    """Write the model's ``torch.export`` program to ``path`` (``.pt2``)."""
    path = Path(path)
    program = export_program(model, input_size, dynamic_batch=dynamic_batch)
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    write_atomic(path, buffer.getvalue())
    return path


def onnx_max_abs_diff(model: nn.Module, path: str | Path, x: Tensor) -> float:
    """Largest |ONNX Runtime output - eager output| on ``x`` (needs ``onnxruntime``)."""
    try:
        import onnxruntime
    except ImportError:
        raise ExportError(
            "checking an ONNX file needs onnxruntime (pip install onnxruntime)"
        ) from None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})
    with _eval_mode(model), torch.no_grad():
        expected = model(x)
    return float((torch.from_numpy(got) - expected).abs().max())


def graph_break_count(model: nn.Module, input_size: int | None = None) -> int:
    """How many graph breaks ``torch.compile`` meets in the forward pass (0: one whole graph)."""
    x = example_input(model, input_size)
    with _eval_mode(model), torch.no_grad():
        return int(torch._dynamo.explain(model)(x).graph_break_count)
