"""The one error diagrams raise: a problem the user can fix, said in one line."""

from __future__ import annotations


class DiagramError(Exception):
    """A diagram cannot be drawn or written (unknown stage, no renderer, unwritable file)."""


class RendererNotFound(DiagramError):
    """No Graphviz program to turn DOT into SVG or PNG."""
