"""Resource guard: refuse a spec whose model would be too large, before any tensor exists.

The size comes from the analytic summary (``summarize``), so checking costs microseconds per
block whatever the widths. The defaults are generous (2G parameters is about 40x SKNet-101's
48.7M; 1T MACs about 118x its 8.45G at 224x224); raise them for deliberately huge models.

Commands that run the model also bound its memory at the input size and batch they will run:
float32 weights plus every activation of a forward pass (the input and the output of every
convolution and linear layer, as the summary counts them). Inference frees most activations as
it goes, so this is an upper bound: SKNet-50 at 224x224 counts 69 MB per image.
"""

from __future__ import annotations

from skbuilder.spec import NetworkSpec, SpecError, SpecIssue
from skbuilder.spec.yaml_io import Document
from skbuilder.summary import Row, Summary, summarize

DEFAULT_MAX_PARAMS = 2_000_000_000
DEFAULT_MAX_MACS = 1_000_000_000_000  # at the spec's input.image_size
DEFAULT_MAX_MEMORY = 4_000_000_000  # bytes of weights and activations for one run
BYTES_PER_VALUE = 4  # float32


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
    parts = summary.rows
    for total, limit, what, option, attr in (
        (summary.params, max_params, "parameters", "max_params (--max-params)", "params"),
        (summary.macs, max_macs, "MACs per image", "max_macs (--max-macs)", "macs"),
    ):
        if limit is None or total <= limit:
            continue
        worst = max(range(len(parts)), key=lambda i: getattr(parts[i], attr))
        share = getattr(parts[worst], attr)
        message = (
            f"the model would have {human(total)} {what} ({total:,}, estimated from the spec at "
            f"{summary.image_size}x{summary.image_size}), over the budget of {human(limit)}; "
            f"{_part_name(parts[worst])} alone has {human(share)}"
        )
        hint = f"reduce widths or depth, or raise {option} if this size is intended"
        path = _part_path(parts[worst], worst)
        if doc is not None:
            issues.append(doc.issue(path, message, hint=hint))
        else:
            issues.append(SpecIssue(path, message, "<spec>", hint=hint))
    return issues


def _part_name(row: Row) -> str:
    if row.kind == "head":
        return f"the head ({row.shape[0]:,} classes)"
    return "the stem" if row.kind == "stem" else f"stage {row.name}"


def _part_path(row: Row, index: int) -> tuple[str | int, ...]:
    """Where the spec sets the part: ``head``/``stem``, or ``stages.i`` (rows: stem first)."""
    return (row.kind,) if row.kind in ("head", "stem") else ("stages", index - 1)


def memory_problem(
    spec: NetworkSpec, image_size: int, batch: int, max_bytes: int | None = DEFAULT_MAX_MEMORY
) -> str | None:
    """Why running ``spec`` on ``batch`` images of ``image_size`` would need more than
    ``max_bytes`` (weights and every activation, as float32), or None."""
    if max_bytes is None:
        return None
    summary = summarize(spec, image_size)
    image = spec.input.channels * image_size * image_size
    weights = BYTES_PER_VALUE * summary.params
    activations = BYTES_PER_VALUE * batch * (image + summary.acts)
    if weights + activations <= max_bytes:
        return None
    return (
        f"running {spec.name} on {batch} image{'s' if batch != 1 else ''} of "
        f"{image_size}x{image_size} could need {human(weights + activations)}B "
        f"(weights {human(weights)}B, activations {human(activations)}B), over the limit of "
        f"{human(max_bytes)}B; lower the batch or the input size, or raise --max-memory"
    )


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
