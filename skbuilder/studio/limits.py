"""What one request to the studio may ask of it: bytes, text, time, and how many run at once.

A spec is a few kilobytes; the loader's own bounds (``skbuilder.spec.limits``: nesting, nodes,
aliases, ``extends``) and the size budget apply on top of these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudioLimits:
    """Bounds on each request; every one is checked before the work it guards."""

    max_body: int = 1 << 20  # bytes of one request body (the spec and the pinned spec)
    max_text: int = 256 * 1024  # characters of one spec sent by the page
    render_seconds: float = 10.0  # one Graphviz run; it is killed after that
    request_seconds: float = 20.0  # one request, waiting for a worker included
    workers: int = 2  # requests doing work at once (the others wait their turn)
    cache_entries: int = 64  # loaded specs and drawn diagrams kept, by their text


DEFAULT_STUDIO_LIMITS = StudioLimits()
