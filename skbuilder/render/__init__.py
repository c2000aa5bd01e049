"""Architecture diagrams drawn from the spec (never from a traced model): the network with
repeated blocks collapsed, one stage expanded, or one block (the SK unit) in full.

Each function returns a ``graphviz.Digraph``; ``write_diagram`` turns it into SVG, PNG or DOT.
The names load their modules on first use: ``skbuilder.render.choices`` (what can be asked
for) needs no Graphviz.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "FORMATS": "skbuilder.render.choices",
    "LEVELS": "skbuilder.render.choices",
    "RANKDIRS": "skbuilder.render.choices",
    "DiagramError": "skbuilder.render.errors",
    "RendererNotFound": "skbuilder.render.errors",
    "Renderer": "skbuilder.render.renderer",
    "block_diagram": "skbuilder.render.stage",
    "diagram": "skbuilder.render.diagram",
    "find_renderer": "skbuilder.render.renderer",
    "network_diagram": "skbuilder.render.network",
    "render": "skbuilder.render.renderer",
    "resolve_stage": "skbuilder.render.stage",
    "stage_diagram": "skbuilder.render.stage",
    "write_diagram": "skbuilder.render.renderer",
}

__all__ = [
    "FORMATS",
    "LEVELS",
    "RANKDIRS",
    "DiagramError",
    "Renderer",
    "RendererNotFound",
    "block_diagram",
    "diagram",
    "find_renderer",
    "network_diagram",
    "render",
    "resolve_stage",
    "stage_diagram",
    "write_diagram",
]

if TYPE_CHECKING:
    from skbuilder.render.choices import FORMATS, LEVELS, RANKDIRS
    from skbuilder.render.diagram import diagram
    from skbuilder.render.errors import DiagramError, RendererNotFound
    from skbuilder.render.network import network_diagram
    from skbuilder.render.renderer import Renderer, find_renderer, render, write_diagram
    from skbuilder.render.stage import block_diagram, resolve_stage, stage_diagram


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'skbuilder.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
