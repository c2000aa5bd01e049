"""An op is one layer described without torch: its cost (pycls's ``complexity``), what its node in
a diagram says, and, only when a model is built, its ``nn.Module``.

Blocks, stems and heads are made of ops, so their cost, their drawing and their module all come
from one description. Drawing goes through the small ``Canvas`` protocol, so this layer needs
neither torch nor Graphviz.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from skbuilder.blocks.cost import Cost, Shape, chw

__all__ = [
    "Canvas",
    "Layers",
    "Line",
    "Op",
    "Shape",
    "child",
    "chw",
    "module_note",
    "stride_text",
    "tensor_note",
]

#: One line of a node's label: plain text, or ``("b", text)`` bold, ``("small", text)`` detail.
Line = str | tuple[str, str]


class Canvas(Protocol):
    """What an op needs to draw itself (``skbuilder.render.Canvas`` implements it). ``style``
    picks the colour and legend entry: conv, sk, branch, pool, fc, softmax, merge, act,
    shortcut, attention, io, repeat."""

    def node(self, name: str, style: str, lines: Sequence[Line], **attrs: str) -> str: ...

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None: ...

    def cluster(
        self, name: str, title: Sequence[Line], *, fill: str = ...
    ) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class Layers:
    """The layer classes a module is built with (``None``: BatchNorm2d and ReLU)."""

    norm: Any = None
    act: Any = None


class Op(ABC):
    """One layer: subclasses are frozen dataclasses holding its arguments."""

    #: How the node is drawn (see ``Canvas``).
    style: str = "conv"

    @abstractmethod
    def complexity(self, cx: Cost) -> Cost:
        """``cx`` plus this op's parameters, MACs and activations, at its output shape."""

    @abstractmethod
    def lines(self) -> list[Line]:
        """The label of this op's node."""

    def short(self) -> str:
        """The op in a few characters, for one-line summaries (``1×1``, ``SK``)."""
        first = self.lines()[0]
        return first[1] if isinstance(first, tuple) else first

    def children(self) -> Sequence[Op]:
        """The ops this one is made of (none for a single layer)."""
        return ()

    def problems(self) -> list[str]:
        """What makes these arguments impossible to build (e.g. groups that do not divide)."""
        return []

    def detail(self) -> list[Line]:
        """Extra lines a collapsed summary of the block should show (e.g. the SK settings)."""
        return []

    def out_shape(self, x: Shape) -> Shape:
        return self.complexity(x.cost()).shape

    def draw(
        self, cv: Canvas, name: str, source: str, x: Shape, path: str = ""
    ) -> tuple[str, Shape]:
        """Draw this op as node ``name`` fed by ``source`` carrying ``x``; ``path`` is where
        its module sits in the built model (``stages.0.1.conv2``), noted on the node and on its
        input edge. Returns the node that makes the output and the output's shape."""
        node = cv.node(name, self.style, self.lines(), **module_note(path))
        cv.edge(source, node, str(x), **tensor_note(path))
        return node, self.out_shape(x)


def child(path: str, name: str | int) -> str:
    """The module path of submodule ``name`` of the module at ``path``."""
    return f"{path}.{name}" if path else ""


def module_note(path: str) -> dict[str, str]:
    """A node's note of the module it stands for (its tooltip in SVG)."""
    return {"tooltip": path} if path else {}


def tensor_note(path: str, end: str = "input", branch: int | None = None) -> dict[str, str]:
    """An edge's note of the tensor it carries: the ``end`` ("input" or "output") of the module
    at ``path`` (for a module that outputs one tensor per branch, branch ``branch``, from 1).
    The shape test reads these notes to compare each shape drawn with the built module's."""
    if not path:
        return {}
    which = f", branch {branch}" if branch is not None else ""
    return {"tooltip": f"{end} of {path}{which}"}


def stride_text(stride: int) -> str:
    return f", stride {stride}" if stride != 1 else ""
