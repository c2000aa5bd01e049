"""SK unit names in the paper's form: ``SK_<stage>_<unit>`` <-> ``<stage>.<block index>.<attr>``.

The paper numbers stages as in its Table 1, where the stem is ``conv1``: SKNet-50's stages
``conv2``..``conv5`` are stages 2..5, and units count from 1 within a stage, so ``SK_3_4`` is the
fourth block of ``conv3``, whose SK conv this package names ``conv3.3.conv2``. Stages named
``conv<N>`` (distinct N) keep their number; otherwise stage i (0-based) is stage i + 2.
"""

from __future__ import annotations

import re

from torch import nn

from skbuilder.analysis.attention import sk_sites
from skbuilder.nn.model import Stage

_CONV_STAGE = re.compile(r"conv(\d+)")
_PAPER_NAME = re.compile(r"SK_(\d+)_(\d+)")


class UnitNameError(ValueError):
    """A unit name that is not in the model."""


def stage_numbers(model: nn.Module) -> dict[str, int]:
    """Stage name -> the paper's stage number (see the module docstring)."""
    names = [m.name for m in model.modules() if isinstance(m, Stage)]
    matches = [_CONV_STAGE.fullmatch(name) for name in names]
    numbers = [int(m.group(1)) for m in matches if m]
    if len(numbers) == len(names) and len(set(numbers)) == len(numbers):
        return dict(zip(names, numbers))
    return {name: index + 2 for index, name in enumerate(names)}


def paper_unit_names(model: nn.Module) -> dict[str, str]:
    """SK conv name (``conv3.3.conv2``) -> paper name (``SK_3_4``), in forward order.

    SK convs outside the stages have no paper name and are left out."""
    numbers = stage_numbers(model)
    out: dict[str, str] = {}
    for site in sk_sites(model):
        stage, _, rest = site.block.partition(".")
        if stage not in numbers or not rest.isdigit():
            continue
        out[site.name] = f"SK_{numbers[stage]}_{int(rest) + 1}"
    return out


def to_paper_name(model: nn.Module, name: str) -> str:
    """``conv3.3.conv2`` -> ``SK_3_4``; UnitNameError when the model has no such SK conv."""
    names = paper_unit_names(model)
    if name not in names:
        raise UnitNameError(f"no SK unit {name!r} in the model; it has {_listing(names)}")
    return names[name]


def to_module_name(model: nn.Module, paper_name: str) -> str:
    """``SK_3_4`` -> ``conv3.3.conv2``; UnitNameError when the name is malformed or absent."""
    if not _PAPER_NAME.fullmatch(paper_name):
        raise UnitNameError(f"{paper_name!r} is not a unit name of the form SK_<stage>_<unit>")
    names = paper_unit_names(model)
    for module_name, paper in names.items():
        if paper == paper_name:
            return module_name
    raise UnitNameError(f"no SK unit {paper_name} in the model; it has {_listing(names)}")


def resolve_unit(model: nn.Module, name: str) -> str:
    """A unit given either way (``SK_3_4`` or ``conv3.3.conv2``) -> its SK conv name."""
    if name.startswith("SK_"):
        return to_module_name(model, name)
    if name not in {site.name for site in sk_sites(model)}:
        raise UnitNameError(
            f"no SK unit {name!r} in the model; it has {_listing(paper_unit_names(model))}"
        )
    return name


def _listing(names: dict[str, str]) -> str:
    if not names:
        return "no SK units in its stages"
    pairs = [f"{paper} ({module})" for module, paper in names.items()]
    return ", ".join(pairs) if len(pairs) <= 8 else f"{', '.join(pairs[:8])}, ..."
