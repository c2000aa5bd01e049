"""A block kind, described once: its rules, its analytic cost, its drawing and (only when a model
is built) its module, all from the same arguments ``(w_in, w_out, stride, params)`` (pycls's
AnyNet contract).

Most kinds describe their inside as ops (``layout``) and get everything else from it. A block
written as an ``nn.Module`` class with ``complexity``/``check`` class methods is described by
``ModuleKind`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import (
    Canvas,
    Line,
    Op,
    Shape,
    module_note,
    stride_text,
    tensor_note,
)
from skbuilder.blocks.ops.sk import SK
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.blocks.settings import ATTENTION_KINDS, AttentionSpec


class BlockKind:
    """Base of every block kind. Subclasses implement ``layout`` (the block as ops) and, to point
    at the stage field to fix, ``rules``; every other method follows from the layout."""

    #: The name a spec gives in ``block:`` (set by ``register_block``).
    name: str = ""
    #: The block in words, for diagrams (default: the name).
    title: str = ""
    #: The attention kinds the block can carry, and the one it has when the spec names none.
    attentions: frozenset[str] = frozenset({"none"})
    default_attention: str = "none"
    #: Shape rules, as data for property-test strategies (``rules`` enforce them on specs): the
    #: output width is a multiple of ``width_multiple``; with ``keeps_width`` a stride-1 block
    #: outputs its input width; without ``uses_mid_width`` the block has no middle width and
    #: its convs do not depend on the SK groups.
    width_multiple: int = 1
    keeps_width: bool = False
    uses_mid_width: bool = True

    def attention_of(self, params: BlockParams) -> AttentionSpec:
        """The attention this block has: the spec's, else the kind's default."""
        if params.attention is not None:
            return params.attention
        return ATTENTION_KINDS[self.default_attention]()

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        """The block as ops (a ``Residual`` for residual blocks)."""
        raise NotImplementedError(f"{type(self).__name__} must define layout()")

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        """Objections to these arguments, each at the stage field that sets the value."""
        return []

    def unused(self, params: BlockParams) -> dict[str, str]:
        """The settings a block of this kind does not read with these ``params`` (``sk``, a
        field of it such as ``sk.G``, or ``groups``), each with the reason. A spec that sets one
        where no block reads it is refused, so no setting is silently ignored. A kind that
        does not say reads everything."""
        return {}

    def check(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        """``rules``; where they find nothing, what the ops themselves refuse (at ``block``)."""
        kind = self.attention_of(params).kind
        if kind not in self.attentions:
            allowed = ", ".join(sorted(self.attentions))
            message = f"block kind {self.name!r} takes attention {allowed}, not {kind!r}"
            return [Violation("attention", message)]
        found = self.rules(w_in, w_out, stride, params)
        if found:
            return found
        layout = self.layout(w_in, w_out, stride, params)
        problems = [Violation("block", message) for message in op_problems(layout)]
        made = layout.out_shape(Shape(w_in, 64, 64)).c
        if not problems and made != w_out:
            message = f"block kind {self.name!r} makes {made} channels where the stage asks {w_out}"
            problems.append(Violation("block", message))
        return problems

    def complexity(self, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        return self.layout(w_in, w_out, stride, params).complexity(cx)

    def draw(
        self,
        cv: Canvas,
        name: str,
        source: str,
        x: Shape,
        args: tuple[int, int, int, BlockParams],
        path: str = "",
    ) -> tuple[str, Shape]:
        """The block in full, fed by node ``source`` carrying ``x``; ``path`` is the block's
        module in the built model (``stages.1.0``)."""
        return self.layout(*args).draw(cv, name, source, x, path)

    def summary_lines(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Line]:
        """The block in a few lines (one node of the network diagram)."""
        layout = self.layout(w_in, w_out, stride, params)
        widths = f"{w_in} → {params.w_mid} → {w_out}{stride_text(stride)}"
        return [("b", self.display_name), layout.short(), widths, *layout.detail()]

    def uses_sk(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> bool:
        """Whether the block selects between SK branches."""
        return any(
            isinstance(op, SK) and op.sk.attends
            for op in walk_ops(self.layout(w_in, w_out, stride, params))
        )

    @property
    def display_name(self) -> str:
        return self.title or self.name


def walk_ops(op: Op) -> Iterator[Op]:
    """``op`` and every op inside it."""
    yield op
    for child in op.children():
        yield from walk_ops(child)


def op_problems(op: Op) -> list[str]:
    """What any op inside ``op`` refuses (e.g. groups that do not divide a width)."""
    return [problem for inner in walk_ops(op) for problem in inner.problems()]


class ModuleKind(BlockKind):
    """A block written as an ``nn.Module`` class (pycls style): ``cls(w_in, w_out, stride,
    params)`` builds it, ``cls.complexity`` costs it and ``cls.check`` (if any) checks it. It is
    drawn from ``cls.layout`` when the class has one, else as one box."""

    def __init__(self, name: str, cls: Any) -> None:
        self.name, self.cls = name, cls
        self.title = getattr(cls, "title", "") or name

    def _layout(self, *args: Any) -> Op | None:
        layout = getattr(self.cls, "layout", None)
        return layout(*args) if callable(layout) else None

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        found = self._layout(w_in, w_out, stride, params)
        if found is None:
            raise NotImplementedError(f"{self.cls.__name__} describes no layout")
        return found

    def check(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        check = getattr(self.cls, "check", None)
        return list(check(w_in, w_out, stride, params)) if callable(check) else []

    def complexity(self, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        cost: Cost = self.cls.complexity(cx, w_in, w_out, stride, params)
        return cost

    def draw(
        self,
        cv: Canvas,
        name: str,
        source: str,
        x: Shape,
        args: tuple[int, int, int, BlockParams],
        path: str = "",
    ) -> tuple[str, Shape]:
        layout = self._layout(*args)
        if layout is not None:
            return layout.draw(cv, name, source, x, path)
        node = cv.node(name or "block", "conv", self.summary_lines(*args), **module_note(path))
        cv.edge(source, node, str(x), **tensor_note(path))
        return node, self.complexity(x.cost(), *args).shape

    def summary_lines(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Line]:
        layout = self._layout(w_in, w_out, stride, params)
        if layout is not None:
            return super().summary_lines(w_in, w_out, stride, params)
        return [("b", self.display_name), f"{w_in} → {w_out}{stride_text(stride)}"]

    def uses_sk(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> bool:
        if self._layout(w_in, w_out, stride, params) is not None:
            return super().uses_sk(w_in, w_out, stride, params)
        return bool(getattr(self.cls, "uses_sk", False))
