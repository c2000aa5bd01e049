"""Resource guard: refuse a spec whose model would be too large, before any tensor exists.

The size comes from the analytic summary (``summarize``), so checking costs microseconds per
block whatever the widths. The defaults are generous (2G parameters is about 40x SKNet-101's
48.7M; 1T MACs about 118x its 8.45G at 224x224); raise them for deliberately huge models.
"""

from __future__ import annotations

from skbuilder.analysis.summary import Summary, summarize
from skbuilder.spec import NetworkSpec, SpecError, SpecIssue
from skbuilder.spec.yaml_io import Document

DEFAULT_MAX_PARAMS = 2_000_000_000
DEFAULT_MAX_MACS = 1_000_000_000_000  # at the spec's input.image_size


def human(n: int) -> str:
    """``27479784`` -> ``27.48M``."""
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return str(n)


def budget_issues(
    spec: NetworkSpec,
    *,
    max_params: int | None = DEFAULT_MAX_PARAMS,
    max_macs: int | None = DEFAULT_MAX_MACS,
    doc: Document | None = None,
    summary: Summary | None = None,
) -> list[SpecIssue]:
    """One issue per exceeded bound, placed at the stage that contributes most (at its line
    when ``doc`` has positions). ``None`` disables a bound."""
    summary = summary or summarize(spec)
    issues: list[SpecIssue] = []
    stages = summary.stage_rows()
    for total, limit, what, option, attr in (
        (summary.params, max_params, "parameters", "max_params (--max-params)", "params"),
        (summary.macs, max_macs, "MACs per image", "max_macs (--max-macs)", "macs"),
    ):
        if limit is None or total <= limit:
            continue
        worst = max(range(len(stages)), key=lambda i: getattr(stages[i], attr))
        share = getattr(stages[worst], attr)
        message = (
            f"the model would have {human(total)} {what} ({total:,}, estimated from the spec at "
            f"{summary.image_size}x{summary.image_size}), over the budget of {human(limit)}; "
            f"stage {stages[worst].name} alone has {human(share)}"
        )
        hint = f"reduce widths or depth, or raise {option} if this size is intended"
        path = ("stages", worst)
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
