"""Spec -> YAML text that loads back to an equal spec.

Only the fields the spec was given are written (``exclude_unset``), so stage SK overrides keep
their meaning: a field a stage leaves out still comes from the network's ``sk``.
"""

from __future__ import annotations

import yaml

from skbuilder.spec.schema import NetworkSpec


def to_yaml(spec: NetworkSpec) -> str:
    """The spec as block-style YAML, keys in schema order."""
    data = spec.model_dump(mode="json", exclude_unset=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
