"""Block kinds by name. The spec names a kind; only registered kinds can be built (no eval, no
imports from the spec). Register your own with ``@register_block("name")`` on a ``BlockKind``
subclass (or on an ``nn.Module`` block class with ``complexity``), from your code, from a module
named with ``--plugin``, or from an installed package's ``skbuilder.blocks`` entry point."""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import types
from collections.abc import Callable
from typing import Any, TypeVar

from skbuilder.blocks.kind import BlockKind, ModuleKind

T = TypeVar("T")

_KINDS: dict[str, BlockKind] = {}


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
    """Class decorator: make the block buildable as ``block: name`` in a spec."""
    if not name.isidentifier():
        raise ValueError(f"block kind {name!r} must be an identifier")

    def decorate(block: T) -> T:
        kind = describe(block, name)
        kind.name = name
        old = _KINDS.get(name)
        if old is not None and not replace and _source(old) is not block:
            raise ValueError(f"block kind {name!r} is already registered to {_source(old)!r}")
        _KINDS[name] = kind
        return block

    return decorate


def _source(kind: BlockKind) -> Any:
    return kind.cls if isinstance(kind, ModuleKind) else type(kind)


def source_module(kind: BlockKind) -> str:
    """The module that defines ``kind`` (``skbuilder.blocks...`` for the shipped kinds): what a
    saved model records for a plugin's kind."""
    return str(_source(kind).__module__)


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
    return f"unknown block kind {name!r} (known: {', '.join(block_kinds())}){hint}{failed}"


# -- plugins ---------------------------------------------------------------------------------

#: The entry-point group through which installed packages add block kinds.
ENTRY_POINT_GROUP = "skbuilder.blocks"


class PluginError(ImportError):
    """A plugin named on the command line could not be loaded."""


_entry_points_loaded = False
_plugin_failures: dict[str, str] = {}


def load_plugin(module: str) -> None:
    """Import ``module`` so that the block kinds it registers can be named in specs."""
    try:
        importlib.import_module(module)
    except Exception as exc:  # any failure of the user's code is reported, not raised raw
        raise PluginError(f"cannot load plugin {module!r}: {type(exc).__name__}: {exc}") from None


def load_entry_points() -> None:
    """Load every installed ``skbuilder.blocks`` entry point, once. The entry point names a
    module that registers kinds, or a kind (class) registered under the entry point's name.
    A failure is remembered and shown where an unknown kind is reported."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
            if not isinstance(loaded, types.ModuleType) and entry.name not in _KINDS:
                register_block(entry.name)(loaded)
        except Exception as exc:  # a broken plugin must not break specs that do not use it
            _plugin_failures[entry.name] = f"{type(exc).__name__}: {exc}"
