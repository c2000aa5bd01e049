"""Architecture diagrams drawn from the spec (never from a traced model): the network with
repeated blocks collapsed, one stage expanded, or one block (the SK unit) in full.

Each function returns a ``graphviz.Digraph``; ``write_diagram`` turns it into SVG, PNG or DOT.
"""

from __future__ import annotations

import graphviz

from skbuilder.render.errors import DiagramError, RendererNotFound
from skbuilder.render.network import network_diagram
from skbuilder.render.renderer import FORMATS, Renderer, find_renderer, render, write_diagram
from skbuilder.render.stage import block_diagram, resolve_stage, stage_diagram
from skbuilder.render.style import RANKDIRS
from skbuilder.spec import NetworkSpec

LEVELS = ("network", "stage", "block")


def diagram(
    spec: NetworkSpec,
    level: str = "network",
    *,
    stage: str | int | None = None,
    image_size: int | None = None,
    rankdir: str = "TB",
    expand: bool = False,
) -> graphviz.Digraph:
    """The diagram of ``spec`` at ``level`` (network, stage or block), top to bottom or
    (``rankdir="LR"``) left to right; ``expand`` draws every block of a deep stage."""
    if rankdir not in RANKDIRS:
        raise DiagramError(f"unknown direction {rankdir!r}: use one of {', '.join(RANKDIRS)}")
    if level == "network":
        if stage is not None:
            raise DiagramError("a stage is chosen only for --level stage or block")
        return network_diagram(spec, image_size=image_size, rankdir=rankdir)
    if level == "stage":
        return stage_diagram(spec, stage, image_size=image_size, rankdir=rankdir, expand=expand)
    if level == "block":
        return block_diagram(spec, stage, image_size=image_size, rankdir=rankdir)
    raise DiagramError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")


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
