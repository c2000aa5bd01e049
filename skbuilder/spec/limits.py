"""Bounds on what a spec file may make the loader do: size, nesting, nodes, aliases, extends.

A spec is a few kilobytes of hand-written YAML; these bounds are far above that and far below
anything that could exhaust memory or time (an alias bomb of a few hundred bytes would expand
to millions of nodes; it is refused once the node budget is spent).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Loader bounds; every one is checked while reading, before the data is used."""

    max_bytes: int = 1 << 20  # size of one spec file (or --set value)
    max_depth: int = 32  # nesting of mappings and lists
    max_nodes: int = 20_000  # values after aliases are expanded
    max_aliases: int = 100  # ``*name`` references in one file
    max_extends: int = 8  # length of an ``extends:`` chain


DEFAULT_LIMITS = Limits()

#: The largest square input a spec (``input.image_size``) or a command (``--input-size``) takes.
MAX_IMAGE_SIZE = 8192

#: The model a spec may describe, at its own input size (see ``skbuilder.spec.budget``): 2G
#: parameters is about 40x SKNet-101's 48.7M; 1T MACs about 118x its 8.45G at 224x224.
DEFAULT_MAX_PARAMS = 2_000_000_000
DEFAULT_MAX_MACS = 1_000_000_000_000
#: Bytes of float32 weights and activations one run of a command may need.
DEFAULT_MAX_MEMORY = 4_000_000_000
