"""Block kinds by name. The spec names a kind; only registered classes can be built (no eval,
no imports from the spec). Register your own with ``@register_block("name")``."""

from __future__ import annotations

import difflib
from typing import TypeVar

from skbuilder.blocks.base import Block

B = TypeVar("B", bound=type[Block])

_BLOCKS: dict[str, type[Block]] = {}


def register_block(name: str, *, replace: bool = False):
    """Class decorator: make ``cls`` buildable as ``block: name`` in a spec."""
    if not name.isidentifier():
        raise ValueError(f"block kind {name!r} must be an identifier")

    def decorate(cls: B) -> B:
        if not (isinstance(cls, type) and issubclass(cls, Block)):
            raise TypeError(f"{cls!r} is not a subclass of skbuilder.blocks.Block")
        if name in _BLOCKS and _BLOCKS[name] is not cls and not replace:
            raise ValueError(f"block kind {name!r} is already registered to {_BLOCKS[name]!r}")
        _BLOCKS[name] = cls
        return cls

    return decorate


def unregister_block(name: str) -> None:
    """Remove a kind (for tests and plugins that register temporarily)."""
    _BLOCKS.pop(name, None)


def block_kinds() -> list[str]:
    """Registered kind names, sorted."""
    return sorted(_BLOCKS)


def get_block(name: str) -> type[Block]:
    """The class registered as ``name``; KeyError with the closest names otherwise."""
    try:
        return _BLOCKS[name]
    except KeyError:
        raise KeyError(unknown_block_message(name)) from None


def unknown_block_message(name: str) -> str:
    close = difflib.get_close_matches(name, _BLOCKS, n=2)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown block kind {name!r} (known: {', '.join(block_kinds())}){hint}"
