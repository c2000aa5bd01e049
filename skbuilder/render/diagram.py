"""One entry point to every diagram: the level of detail chosen by name."""

from __future__ import annotations

import graphviz

from skbuilder.render.choices import LEVELS, RANKDIRS
from skbuilder.render.errors import DiagramError
from skbuilder.render.network import network_diagram
from skbuilder.render.stage import block_diagram, stage_diagram
from skbuilder.spec.schema import NetworkSpec


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
