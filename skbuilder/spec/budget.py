"""Resource guard: refuse a spec whose model would be too large, before any tensor exists.

The size comes from the analytic walk of the spec, so checking costs microseconds per stage
whatever the widths and depths. The defaults are generous (2G parameters is about 40x
SKNet-101's 48.7M; 1T MACs about 118x its 8.45G at 224x224); raise them for deliberately huge
models.
"""

from __future__ import annotations

from skbuilder.spec.errors import SpecError, SpecIssue
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import NetworkWalk, walk
from skbuilder.spec.yaml_io import Document
from skbuilder.text import human

DEFAULT_MAX_PARAMS = 2_000_000_000
DEFAULT_MAX_MACS = 1_000_000_000_000  # at the spec's input.image_size


def _parts(network: NetworkWalk) -> list[tuple[tuple[str | int, ...], str, int, int]]:
    """(spec path, words, params, MACs) of the stem, every stage and the head."""
    parts = [(("stem",), "the stem", network.stem_cost.params, network.stem_cost.macs)]
    for stage in network.stages:
        cost = stage.cost
        parts.append((("stages", stage.index), f"stage {stage.name}", cost.params, cost.macs))
    parts.append((("head",), "the head", network.head_cost.params, network.head_cost.macs))
    return parts


def budget_issues(
    spec: NetworkSpec,
    *,
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
    doc: Document | None = None,
    network: NetworkWalk | None = None,
) -> list[SpecIssue]:
    """One issue per exceeded bound, placed at the part (stem, stage or head) that contributes
    most (at its line when ``doc`` has positions). ``None`` disables a bound."""
    network = network or walk(spec)
    total = network.total()
    size = f"{network.image.h}x{network.image.w}"
    issues: list[SpecIssue] = []
    for amount, limit, what, option, column in (
        (total.params, max_params, "parameters", "max_params (--max-params)", 2),
        (total.macs, max_macs, "MACs per image", "max_macs (--max-macs)", 3),
    ):
        if limit is None or amount <= limit:
            continue
        path, words, *shares = max(_parts(network), key=lambda part: part[column])
        message = (
            f"the model would have {human(amount)} {what} ({amount:,}, estimated from the spec at "
            f"{size}), over the budget of {human(limit)}; {words} alone has "
            f"{human(shares[column - 2])}"
        )
        hint = f"reduce widths or depth, or raise {option} if this size is intended"
        if doc is not None:
            issues.append(doc.issue(path, message, hint=hint))
        else:
            issues.append(SpecIssue(path, message, "<spec>", hint=hint))
    return issues


def check_budget(
    spec: NetworkSpec,
    *,
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
) -> None:
    """SpecError when the spec's model would exceed a bound."""
    issues = budget_issues(spec, max_params=max_params, max_macs=max_macs)
    if issues:
        raise SpecError(issues)
