"""The resolved, canonical form of a spec: every default written out, ``extends:`` and
overrides applied, so ``parse_spec(dump_spec(spec)) == spec``."""

from __future__ import annotations

from typing import Any

import yaml

from skbuilder.spec.schema import NetworkSpec


def canonical_data(spec: NetworkSpec) -> dict[str, Any]:
    """Plain data for ``spec``. Each ``sk`` (the network's and a stage's) keeps only the keys it
    sets; unset optional values are left out."""
    data = spec.model_dump(mode="json", exclude_none=True)
    for i, stage in enumerate(spec.stages):
        if stage.sk is not None:
            data["stages"][i]["sk"] = stage.sk.model_dump(mode="json", exclude_unset=True)
    # the network's sk keeps only what it sets too: the defaults written out would be settings
    # that blocks without SK convs (or depthwise ones, without sk.G) refuse
    if "sk" in spec.model_fields_set:
        data["sk"] = spec.sk.model_dump(mode="json", exclude_unset=True)
    else:
        del data["sk"]
    return data


def dump_spec(spec: NetworkSpec) -> str:
    """YAML text of the canonical spec (short mappings on one line, keys in schema order)."""
    return yaml.safe_dump(canonical_data(spec), sort_keys=False, default_flow_style=None, width=100)
