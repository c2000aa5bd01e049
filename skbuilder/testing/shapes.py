"""Every tensor shape the tool shows, held to the built module.

Forward hooks record what each module of a built network receives and returns. Each place that
states a shape says which module's input or output it means: the walk and the summary by their
parts, the feature info by its module paths, the diagrams (network, stage and block level, read
back from their DOT text) by the note on every edge that carries a shape (``input of
stages.0.1.conv2``). ``shape_mismatches`` lists every statement that differs from what the
hooks saw, and every drawn shape that names no module, so nothing can be shown unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from skbuilder.nn.features import feature_info
from skbuilder.render import diagram
from skbuilder.render.stage import resolve_stage
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import feature_shapes, walk

Dims = tuple[int, ...]


@dataclass(frozen=True)
class Claim:
    """``where`` says that the ``end`` ("input" or "output") of module ``module`` (for a module
    that returns one tensor per branch, its branch ``branch``, from 1) has shape ``shape``."""

    where: str
    module: str
    end: str
    shape: Dims
    branch: int | None = None


@dataclass(frozen=True)
class Seen:
    """The shapes (batch left out) one module was called with and returned, where tensors."""

    input: Dims | None
    output: Dims | None


def observe(model: nn.Module, x: Tensor) -> dict[str, Seen]:
    """Run ``model`` on ``x`` (eval mode, no grad) and record every module's first call."""
    seen: dict[str, Seen] = {}

    def hook(name: str) -> Callable[[nn.Module, tuple[object, ...], object], None]:
        def record(_module: nn.Module, args: tuple[object, ...], out: object) -> None:
            first = args[0] if args else None
            seen.setdefault(
                name,
                Seen(
                    tuple(first.shape[1:]) if isinstance(first, Tensor) else None,
                    tuple(out.shape[1:]) if isinstance(out, Tensor) else None,
                ),
            )

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if n]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return seen


def walk_claims(spec: NetworkSpec, image_size: int) -> Iterator[Claim]:
    """What the walk (and so the budget and the property-test costs) says of every part."""
    network = walk(spec, image_size)
    yield Claim("walk: image", "stem", "input", _dims(network.image))
    yield Claim("walk: stem", "stem", "output", _dims(network.stem_out))
    for stage in network.stages:
        for step in stage.steps:
            first = step.plan.index
            for j in range(first, first + step.count):
                path = f"stages.{stage.index}.{j}"
                yield Claim(f"walk: {stage.name} block {j}", path, "input", _dims(step.x))
                yield Claim(f"walk: {stage.name} block {j}", path, "output", _dims(step.y))
        yield Claim(f"walk: {stage.name}", f"stages.{stage.index}", "output", _dims(stage.y))
    yield Claim("walk: head", "head", "output", (network.out.c,))


def summary_claims(spec: NetworkSpec, image_size: int) -> Iterator[Claim]:
    """The ``output`` column of ``skbuilder summary``: stem, each stage, head."""
    from skbuilder.analysis.summary import summarize

    rows = summarize(spec, image_size).rows
    modules = ["stem", *(f"stages.{i}" for i in range(len(rows) - 2)), "head"]
    for row, module in zip(rows, modules):
        yield Claim(f"summary: {row.name}", module, "output", tuple(row.shape))


def feature_claims(spec: NetworkSpec, image_size: int) -> Iterator[Claim]:
    """The feature info (channels, module) and the feature shapes of a backbone."""
    for info, shape in zip(feature_info(spec), feature_shapes(spec, image_size)):
        yield Claim(f"features: {info.name}", info.module, "output", _dims(shape))
        yield Claim(f"features: {info.name} channels", info.module, "output", (info.channels,))


_EDGE = re.compile(r"^\s*(\S+) -> (\S+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_TOOLTIP = re.compile(r' tooltip="([^"]*)"')
_SHAPE = re.compile(r"^\d+(?:·\d+)?(?:×\d+)*$")
_NOTE = re.compile(r"^(input|output) of (\S+?)(?:, branch (\d+))?$")


def _attrs(text: str) -> dict[str, str]:
    """The attributes of an edge line (edge labels are plain quoted text, never HTML)."""
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(text)}


def drawn_shape(label: str) -> Dims | None:
    """The shape an edge label states (its last word: ``U 128×56×56``, ``2·128×1×1``)."""
    words = label.split()
    if not words or not _SHAPE.match(words[-1]):
        return None
    return tuple(_product(part) for part in words[-1].split("×"))


def _product(text: str) -> int:
    value = 1
    for factor in text.split("·"):
        value *= int(factor)
    return value


def dot_claims(source: str, where: str) -> tuple[list[Claim], list[str], list[str]]:
    """The shapes a diagram's DOT text draws, each with the module its edge names; the edges
    that draw a shape but name no module; and the modules its nodes name."""
    claims, unnamed, named = [], [], []
    for line in source.splitlines():
        match = _EDGE.match(line)
        if match is None:  # a node: its label is HTML, its note the last attribute
            tooltip = _TOOLTIP.search(line)
            if tooltip:
                named.append(tooltip[1])
            continue
        attrs = _attrs(match[3] or "")
        shape = drawn_shape(attrs.get("label", ""))
        if shape is None:
            continue
        note = _NOTE.match(attrs.get("tooltip", ""))
        edge = f"{where}: {match[1]} -> {match[2]}"
        if note is None:
            unnamed.append(f"{edge} draws {attrs['label'].strip()} but names no module")
            continue
        branch = int(note[3]) if note[3] else None
        claims.append(Claim(edge, note[2], note[1], shape, branch))
    return claims, unnamed, named


def diagram_sources(
    spec: NetworkSpec, image_size: int, *, expand: bool = True
) -> Iterator[tuple[str, str]]:
    """The DOT text of every diagram of ``spec``: the network, each stage (and, with ``expand``,
    each stage with every block drawn), and the first and second block of each stage."""
    yield "network", diagram(spec, "network", image_size=image_size).source
    for i, stage in enumerate(spec.stages):
        yield f"stage {i}", diagram(spec, "stage", stage=i, image_size=image_size).source
        if expand:
            expanded = diagram(spec, "stage", stage=i, image_size=image_size, expand=True)
            yield f"stage {i} expanded", expanded.source
        for index in range(min(stage.depth, 2)):
            yield f"block {i}.{index}", _block_source(spec, i, index, image_size)


def _block_source(spec: NetworkSpec, stage: int, index: int, image_size: int) -> str:
    from skbuilder.render.stage import block_diagram

    return block_diagram(
        spec, resolve_stage(spec, stage), index=index, image_size=image_size
    ).source


def shape_mismatches(
    spec: NetworkSpec, model: nn.Module, image_size: int, *, batch: int = 1, expand: bool = True
) -> list[str]:
    """Every shape the walk, the summary, the feature info and the diagrams state for ``spec``
    at ``image_size`` that differs from what the built ``model`` does, and every drawn shape or
    named module that cannot be matched to the model. Empty when all agree. Without ``expand``
    the stage diagrams are read as drawn by default only (deep stages collapsed)."""
    device = next(model.parameters()).device  # "meta" runs the shapes alone, at no cost
    x = torch.randn(batch, spec.input.channels, image_size, image_size, device=device)
    seen = observe(model, x)
    claims = [
        *walk_claims(spec, image_size),
        *summary_claims(spec, image_size),
        *feature_claims(spec, image_size),
    ]
    problems: list[str] = []
    modules = {name for name, _ in model.named_modules()}
    for where, source in diagram_sources(spec, image_size, expand=expand):
        drawn, unnamed, named = dot_claims(source, where)
        claims += drawn
        problems += unnamed
        problems += [
            f"{where}: a node names module {name!r}, which the model does not have"
            for name in named
            if not all(path in modules for path in _expand(name))
        ]
    for claim in claims:
        problem = _mismatch(claim, seen)
        if problem:
            problems.append(problem)
    return problems


def _expand(name: str) -> list[str]:
    """``stages.0.1–3`` (a node standing for several blocks) -> each module path."""
    match = re.match(r"^(.*)\.(\d+)–(\d+)$", name)
    if match is None:
        return [name]
    return [f"{match[1]}.{j}" for j in range(int(match[2]), int(match[3]) + 1)]


def _mismatch(claim: Claim, seen: dict[str, Seen]) -> str | None:
    said = f"{claim.where} says the {claim.end} of {claim.module or 'the model'}"
    if claim.module not in seen:
        return f"{said} is {_text(claim.shape)}, but no such module ran"
    actual = seen[claim.module].input if claim.end == "input" else seen[claim.module].output
    if actual is None:
        return f"{said} is {_text(claim.shape)}, but it is not one tensor"
    if claim.branch is not None:
        actual = actual[1:]  # one branch of a (M, C, ...) output
    if len(claim.shape) == 1 and len(actual) > 1 and claim.where.endswith("channels"):
        actual = actual[:1]
    if actual != claim.shape:
        return f"{said} is {_text(claim.shape)}; the module's is {_text(actual)}"
    return None


def _dims(shape: object) -> Dims:
    return tuple(int(v) for v in (shape.c, shape.h, shape.w))  # type: ignore[attr-defined]


def _text(shape: Dims) -> str:
    return "×".join(map(str, shape))
