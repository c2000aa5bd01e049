"""What is timed: a model (built from a spec, or created by timm), made ready for one way of
running it (eager, torch.compile, ONNX Runtime; inference or a training step)."""

from __future__ import annotations

import copy
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from skbuilder.nn.layers.conv_bn_act import ConvBnAct
from skbuilder.nn.layers.sk_conv import Fuse

#: A baseline written ``timm:NAME`` is ``timm.create_model(NAME)``.
TIMM_PREFIX = "timm:"
MODES = ("eager", "compile", "onnxruntime")
LAYOUTS = ("channels_last", "nchw")
#: Largest |ONNX Runtime - eager| accepted for an exported model.
ONNX_TOLERANCE = 1e-4


class BenchError(ValueError):
    """A benchmark that cannot run as asked (unknown timm model, a mode that cannot train)."""


class MissingDependency(BenchError):
    """An optional package the benchmark needs is not installed."""

    def __init__(self, package: str, why: str) -> None:
        super().__init__(f"{why} needs the {package} package (pip install {package})")
        self.package = package


@dataclass
class Prepared:
    """One model ready to time: ``step`` runs it once on the benchmark's input."""

    label: str
    step: Callable[[], object]
    how: str
    model: nn.Module | None = None
    mode: str = "eager"
    train: bool = False
    compile_seconds: float | None = None
    max_abs_diff: float | None = None


def timm_model(name: str) -> nn.Module:
    """``timm.create_model(name)`` with random weights; BenchError for a name timm lacks."""
    try:
        import timm
    except ImportError:
        raise MissingDependency("timm", f"the baseline {TIMM_PREFIX}{name}") from None
    if not timm.is_model(name):
        raise BenchError(f"timm has no model called {name!r} (see timm.list_models())")
    return timm.create_model(name)


def builds_sk_layers(model: nn.Module) -> bool:
    """True for a model built by skbuilder (its BatchNorms sit in ConvBnAct and Fuse)."""
    return any(isinstance(m, (ConvBnAct, Fuse)) for m in model.modules())


def fold_for_inference(
    model: nn.Module, x: Tensor, *, channels_last: bool
) -> tuple[nn.Module, str]:
    """An eval-mode copy with BatchNorm folded into the convolutions, and how it was folded.

    skbuilder models use ``fuse_for_inference``; any other model gets the generic fold of
    ``torch.jit.freeze`` on its trace (a TorchScript module, fine for eager timing)."""
    from skbuilder.interop.fusion import fuse_for_inference

    layout = "channels_last" if channels_last else "NCHW"
    if builds_sk_layers(model):
        return fuse_for_inference(
            model, channels_last=channels_last
        ), f"fuse_for_inference, {layout}"
    model = _in_layout(model.eval(), channels_last)
    with torch.no_grad(), warnings.catch_warnings():
        # deprecation notices for torch.jit, and tracer notes on the model's own asserts
        warnings.simplefilter("ignore")
        frozen = torch.jit.freeze(torch.jit.trace(model, x, check_trace=False))
    return frozen, f"torch.jit.freeze, {layout}"


def _in_layout(model: nn.Module, channels_last: bool) -> nn.Module:
    """A copy of ``model``, its weights in NHWC when ``channels_last``."""
    model = copy.deepcopy(model)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return model


def inference(
    label: str,
    model: nn.Module,
    x: Tensor,
    mode: str,
    *,
    channels_last: bool,
    fold: bool = True,
) -> Prepared:
    """``model`` ready for inference on ``x`` in ``mode`` (``x`` already in the chosen layout).

    ``fold`` folds BatchNorm first: ``fuse_for_inference`` for skbuilder models; for others
    ``torch.jit.freeze`` in eager mode and inductor's ``freezing`` when compiled. ONNX Runtime
    folds BatchNorm itself, so ``fold`` only picks which PyTorch model is exported."""
    layout = "channels_last" if channels_last else "NCHW"
    ours = builds_sk_layers(model)
    if mode == "onnxruntime":
        return _onnxruntime(label, model, x, fold=fold and ours)
    if fold and mode == "eager":
        ready, how = fold_for_inference(model, x, channels_last=channels_last)
    elif fold and ours:
        from skbuilder.interop.fusion import fuse_for_inference

        ready, how = fuse_for_inference(model, channels_last=channels_last), "fuse_for_inference"
    else:
        ready, how = _in_layout(model.eval(), channels_last), "as built"
    if mode == "compile":
        how += f", {layout}, torch.compile" + (" (freezing)" if fold else "")
        return _compiled(label, torch.compile(ready), ready, x, how, freezing=fold)
    if not how.endswith(layout):
        how += f", {layout}"

    def run() -> object:
        with torch.inference_mode():
            return ready(x)

    return Prepared(label, run, how, ready if isinstance(ready, nn.Module) else None)


def _compiled(
    label: str,
    compiled: Callable[[Tensor], Tensor],
    model: nn.Module,
    x: Tensor,
    how: str,
    *,
    freezing: bool,
) -> Prepared:
    """Inference through ``compiled``, compiled now (by the first call, timed apart).

    ``freezing`` compiles with inductor's freezing: the weights become constants, so inductor
    folds BatchNorm into the convolutions, prepacks their weights for oneDNN and fuses the
    activation into them. It is read from inductor's config while compiling (passing it in
    ``torch.compile(options=...)`` was measured to leave the generated code unchanged)."""

    def run() -> object:
        with torch.no_grad():
            return compiled(x)

    return _first_call(Prepared(label, run, how, model, mode="compile"), freezing=freezing)


def _first_call(prepared: Prepared, *, freezing: bool = False) -> Prepared:
    """Run the step once and keep its time as the compile time: the timed calls then run
    compiled code."""
    from torch._inductor import config

    start = time.perf_counter()
    with config.patch(freezing=freezing):
        prepared.step()
    prepared.compile_seconds = time.perf_counter() - start
    return prepared


def training(
    label: str, model: nn.Module, x: Tensor, mode: str, *, channels_last: bool
) -> Prepared:
    """One training step without the optimizer: forward in train mode, cross-entropy, backward."""
    if mode == "onnxruntime":
        raise BenchError("ONNX Runtime runs inference only; drop --train or pick another mode")
    model = _in_layout(model, channels_last).train()
    target = torch.zeros(x.shape[0], dtype=torch.long)
    forward: Callable[[Tensor], Tensor] = torch.compile(model) if mode == "compile" else model

    def run() -> object:
        model.zero_grad(set_to_none=False)
        loss = F.cross_entropy(forward(x), target)
        loss.backward()
        return loss

    layout = "channels_last" if channels_last else "NCHW"
    prepared = Prepared(label, run, f"train mode, {layout}", model, mode=mode, train=True)
    if mode == "compile":
        prepared.how += ", torch.compile"
        return _first_call(prepared)
    return prepared


def _onnxruntime(label: str, model: nn.Module, x: Tensor, *, fold: bool) -> Prepared:
    """The model exported to ONNX (static shape of ``x``) and run by an ONNX Runtime session
    with all graph optimisations, as many intra-op threads as torch uses, one inter-op thread."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise MissingDependency("onnxruntime", "--mode onnxruntime") from None
    from skbuilder.interop.export import INPUT_NAME, OUTPUT_NAME, export_onnx
    from skbuilder.interop.fusion import fuse_for_inference

    ready = fuse_for_inference(model) if fold else copy.deepcopy(model).eval()
    x = x.contiguous()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        export_onnx(ready, path, x.shape[-1], dynamic_batch=False, batch=x.shape[0])
        session = ort.InferenceSession(
            str(path), session_options(ort), providers=["CPUExecutionProvider"]
        )
    feed = {INPUT_NAME: x.numpy()}
    (got,) = session.run([OUTPUT_NAME], feed)
    with torch.inference_mode():
        diff = float((torch.from_numpy(got) - ready(x)).abs().max())
    if not diff <= ONNX_TOLERANCE:
        raise BenchError(f"{label}: ONNX Runtime differs from eager by {diff:.3g}")

    def run() -> object:
        return session.run([OUTPUT_NAME], feed)

    how = ("fuse_for_inference, " if fold else "") + "ONNX (dynamo exporter), ORT_ENABLE_ALL"
    return Prepared(label, run, how, None, mode="onnxruntime", max_abs_diff=diff)


def session_options(ort: Any) -> Any:
    """ONNX Runtime settings for CPU serving: every graph optimisation (constant folding,
    Conv+BatchNorm and Conv+activation fusion, layout transforms), torch's thread count."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    return options


__all__ = [
    "LAYOUTS",
    "MODES",
    "TIMM_PREFIX",
    "BenchError",
    "MissingDependency",
    "Prepared",
    "fold_for_inference",
    "inference",
    "session_options",
    "timm_model",
    "training",
]
