"""A block kind from outside skbuilder (a plugin, an entry point, the user's code), described
through a guard.

Every answer the description layer gets from such a kind is checked: a failing method becomes
a ``KindError`` (a ``ValueError``) that names the kind and the method; ``check`` must return
``Violation``s; ``complexity`` must return a ``Cost`` of integers that only grows (a block
cannot remove parameters, MACs or activations). ``check`` also costs the block once at a
nominal size, so that a spec using a kind with broken costs is refused where it names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from skbuilder.blocks.cost import Cost
from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops.base import Canvas, Line, Op, Shape
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.plugins import KindError
from skbuilder.text import shown

T = TypeVar("T")
#: The spatial size at which ``check`` costs a block (a stage's real size is checked again by
#: the walk).
NOMINAL_SIZE = 32
_COPIED = (
    "title",
    "attentions",
    "default_attention",
    "width_multiple",
    "keeps_width",
    "uses_mid_width",
)


class GuardedKind(BlockKind):
    """``inner``, with every answer checked (see the module's docstring)."""

    def __init__(self, inner: BlockKind) -> None:
        self.inner = inner
        self.name = inner.name
        for attribute in _COPIED:
            setattr(self, attribute, getattr(inner, attribute))

    def _call(self, method: str, action: Callable[[], T], passes: type[Exception] = KindError) -> T:
        try:
            return action()
        except (KindError, passes):
            raise
        except (Exception, SystemExit, GeneratorExit) as exc:  # the user's code may raise anything
            text = str(exc).strip().splitlines()
            why = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
            raise KindError(self._fault(f"{method} failed: {shown(why, 300)}")) from None

    def _fault(self, what: str) -> str:
        return f"block kind {self.name!r} ({type(self.inner).__qualname__}): {what}"

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        # NotImplementedError: the kind describes no layout (a module block); callers fall back
        args = (w_in, w_out, stride, params)
        found = self._call("layout()", lambda: self.inner.layout(*args), NotImplementedError)
        if not isinstance(found, Op):
            raise KindError(self._fault(f"layout() returned {_what(found)}, not an op"))
        return found

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return self._violations("rules()", lambda: self.inner.rules(w_in, w_out, stride, params))

    def check(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        try:
            found = self._violations(
                "check()", lambda: self.inner.check(w_in, w_out, stride, params)
            )
            if not found:
                start = Shape(w_in, NOMINAL_SIZE, NOMINAL_SIZE).cost()
                self.complexity(start, w_in, w_out, stride, params)
                self._unused(params)
        except KindError as exc:
            return [Violation("block", str(exc))]
        return found

    def _violations(self, method: str, action: Callable[[], Any]) -> list[Violation]:
        found = self._call(method, action)
        if not isinstance(found, list | tuple) or not all(isinstance(v, Violation) for v in found):
            got = _what(found)
            raise KindError(self._fault(f"{method} returned {got}, not a list of Violation"))
        return list(found)

    def complexity(self, cx: Cost, w_in: int, w_out: int, stride: int, params: BlockParams) -> Cost:
        cost = self._call(
            "complexity()", lambda: self.inner.complexity(cx, w_in, w_out, stride, params)
        )
        if problem := cost_problem(cx, cost):
            raise KindError(self._fault(f"complexity() {problem}"))
        return cost

    def guard(self, method: str, action: Callable[[], T]) -> T:
        """``action()`` (work on this kind, such as building its module) with its failures
        named as the kind's."""
        return self._call(method, action)

    def draw(
        self,
        cv: Canvas,
        name: str,
        source: str,
        x: Shape,
        args: tuple[int, int, int, BlockParams],
        path: str = "",
    ) -> tuple[str, Shape]:
        return self._call("draw()", lambda: self.inner.draw(cv, name, source, x, args, path))

    def unused(self, params: BlockParams) -> dict[str, str]:
        """The kind's answer, or nothing when it fails (``check`` reports that at the stage)."""
        try:
            return self._unused(params)
        except KindError:
            return {}

    def _unused(self, params: BlockParams) -> dict[str, str]:
        found = self._call("unused()", lambda: self.inner.unused(params))
        if not isinstance(found, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in found.items()
        ):
            got = _what(found)
            raise KindError(self._fault(f"unused() returned {got}, not a dict of str to str"))
        return dict(found)

    def summary_lines(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Line]:
        lines = self._call(
            "summary_lines()", lambda: self.inner.summary_lines(w_in, w_out, stride, params)
        )
        return [line if isinstance(line, str | tuple) else str(line) for line in lines]

    def uses_sk(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> bool:
        args = (w_in, w_out, stride, params)
        return bool(self._call("uses_sk()", lambda: self.inner.uses_sk(*args)))

    @property
    def display_name(self) -> str:
        return str(self._call("display_name", lambda: self.inner.display_name))


def cost_problem(before: Cost, after: Any) -> str | None:
    """Why ``after`` is not a block's cost from ``before`` (None when it is)."""
    if not isinstance(after, Cost):
        return f"returned {_what(after)}, not a Cost"
    if not isinstance(after.shape, Shape):
        return f"returned a Cost whose shape is {_what(after.shape)}, not a Shape"
    for field, value in (
        *((f, getattr(after, f)) for f in ("params", "macs", "acts")),
        *((f"shape.{f}", getattr(after.shape, f)) for f in ("c", "h", "w")),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"returned a Cost whose {field} is {_what(value)}, not an integer"
    if after.shape.h < 1 or after.shape.w < 1:
        return f"returned an output of {after.h}x{after.w}; a block's output is at least 1x1"
    for field in ("params", "macs", "acts"):
        added = getattr(after, field) - getattr(before, field)
        if added < 0:
            return f"returned a negative number of {field} ({added:,})"
    return None


def _what(value: Any) -> str:
    return f"{type(value).__name__} {shown(repr(value), 40)}"
