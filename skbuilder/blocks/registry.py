"""Block kinds by name. The spec names a kind; only registered kinds can be built (no eval, no
imports from the spec). Register your own with ``@register_block("name")`` on a ``BlockKind``
subclass (or on an ``nn.Module`` block class with ``complexity``), from your code, from a module
named with ``--plugin``, or from an installed package's ``skbuilder.blocks`` entry point."""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from skbuilder import plugins
from skbuilder.blocks.guarded import GuardedKind
from skbuilder.blocks.kind import BlockKind, ModuleKind
from skbuilder.plugins import PluginError as PluginError

T = TypeVar("T")

_KINDS: dict[str, BlockKind] = {}
_replaced: dict[str, str] = {}


def describe(block: Any, name: str | None = None) -> BlockKind:
    """The description of ``block``: a registered name, a ``BlockKind`` (class or instance), or
    an ``nn.Module`` block class with a ``complexity`` class method."""
    if isinstance(block, str):
        return get_block(block)
    if isinstance(block, BlockKind):
        return block
    if isinstance(block, type) and issubclass(block, BlockKind):
        if block.layout is BlockKind.layout:
            raise TypeError(f"block kind {block.__name__} must describe its layout()")
        kind = block()
        kind.name = name or kind.name or block.__name__
        return kind
    if isinstance(block, type) and callable(getattr(block, "complexity", None)):
        return ModuleKind(name or block.__name__, block)
    raise TypeError(
        f"{block!r} is not a block kind: give a BlockKind subclass or an nn.Module block class "
        "with a complexity() class method"
    )


def register_block(name: str, *, replace: bool = False) -> Callable[[T], T]:
    """Class decorator: make the block buildable as ``block: name`` in a spec. A kind already
    registered is replaced only with ``replace=True``; replacing a built-in kind is recorded
    (``replaced_kinds``) so that the command line reports it. A kind from outside skbuilder is
    described through ``GuardedKind``: its failures and wrong answers become errors that name
    it."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"block kind {name!r} must be an identifier")

    def decorate(block: T) -> T:
        kind = describe(block, name)
        kind.name = name
        source = _source(kind)
        old = _KINDS.get(name)
        if old is not None and _source(old) is not source:
            if not replace:
                raise ValueError(
                    f"block kind {name!r} is already registered to {_source(old)!r}; "
                    "register_block(name, replace=True) replaces it"
                )
            if _is_builtin(old):
                by = f"{getattr(source, '__module__', '?')}.{_qualname(source)}"
                _replaced[name] = by
                plugins.report(f"the built-in block kind {name!r} is replaced by {by}")
        _KINDS[name] = kind if _is_builtin(kind) else GuardedKind(kind)
        return block

    return decorate


def _qualname(source: Any) -> str:
    return str(getattr(source, "__qualname__", type(source).__name__))


def _source(kind: BlockKind) -> Any:
    if isinstance(kind, GuardedKind):
        kind = kind.inner
    return kind.cls if isinstance(kind, ModuleKind) else type(kind)


def _is_builtin(kind: BlockKind) -> bool:
    module = str(getattr(_source(kind), "__module__", ""))
    return not isinstance(kind, GuardedKind) and module.startswith("skbuilder.")


def _register(name: str, block: Any) -> None:
    register_block(name)(block)


def replaced_kinds() -> dict[str, str]:
    """Built-in kinds replaced by a registration with ``replace=True``: name -> the class."""
    return dict(_replaced)


def source_module(kind: BlockKind) -> str:
    """The module that defines ``kind`` (``skbuilder.blocks...`` for the shipped kinds), or the
    path of the ``.py`` file a file plugin was loaded from: what a saved model records for a
    plugin's kind, and what ``--plugin`` takes to load it again."""
    return plugins.plugin_source(str(_source(kind).__module__))


def unregister_block(name: str) -> None:
    """Remove a kind (for tests and plugins that register temporarily)."""
    _KINDS.pop(name, None)


def block_kinds() -> list[str]:
    """Registered kind names (installed plugins included), sorted."""
    load_entry_points()
    return sorted(_KINDS)


def get_block(name: str) -> BlockKind:
    """The kind registered as ``name``; KeyError with the closest names otherwise."""
    if name not in _KINDS:
        load_entry_points()
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(unknown_block_message(name)) from None


def unknown_block_message(name: str) -> str:
    close = difflib.get_close_matches(name, block_kinds(), n=2)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    failed = "".join(f"; plugin {p!r} failed to load: {why}" for p, why in _plugin_failures.items())
    return (
        f"unknown block kind {name!r} (known: {', '.join(block_kinds())}){hint}{failed}; "
        "a kind of your own is added with --plugin MODULE or --plugin FILE.py (see docs/spec.md)"
    )


# -- plugins ---------------------------------------------------------------------------------

#: The entry-point group through which installed packages add block kinds.
ENTRY_POINT_GROUP = "skbuilder.blocks"

_entry_points_loaded = False
_plugin_failures: dict[str, str] = {}


def load_plugin(source: str) -> None:
    """Load ``source`` (a module name or the path of a ``.py`` file) so that the block kinds it
    registers can be named in specs; ``PluginError`` naming it when it fails in any way."""
    plugins.load_plugin(source)


def load_entry_points() -> None:
    """Load every installed ``skbuilder.blocks`` entry point, once. The entry point names a
    module that registers kinds, or a kind (class) registered under the entry point's name.
    A failure is remembered and shown where an unknown kind is reported."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry in plugins.entry_points(ENTRY_POINT_GROUP):
        try:
            loaded = plugins.load_entry_point(entry)
            if not isinstance(loaded, types.ModuleType) and entry.name not in _KINDS:
                plugins.guarded(
                    f"entry point {entry.name!r}", partial(_register, entry.name, loaded)
                )
        except plugins.PluginError as exc:  # a broken plugin must not break other specs
            _plugin_failures[entry.name] = str(exc)
