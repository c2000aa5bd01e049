"""Resource guard: refuse a spec whose model would be too large, before any tensor exists.

The size comes from the analytic walk of the spec, so checking costs microseconds per stage
whatever the widths and depths. The defaults (``skbuilder.spec.limits``) are generous; raise
them for deliberately huge models.

Commands that run the model also bound its memory at the input size and batch they will run:
float32 weights plus every activation of a forward pass (the input and the output of every
convolution and linear layer, as the walk counts them). Inference frees most activations as
it goes, so this is an upper bound: SKNet-50 at 224x224 counts 69 MB per image.
"""

from __future__ import annotations

from skbuilder.spec.errors import SpecError, SpecIssue
from skbuilder.spec.limits import DEFAULT_MAX_MACS, DEFAULT_MAX_MEMORY, DEFAULT_MAX_PARAMS
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.walk import NetworkWalk, walk
from skbuilder.spec.yaml_io import Document
from skbuilder.text import human

BYTES_PER_VALUE = 4  # float32


def _parts(network: NetworkWalk) -> list[tuple[tuple[str | int, ...], str, int, int]]:
    """(spec path, words, params, MACs) of the stem, every stage and the head."""
    Path = tuple[str | int, ...]
    stem: Path = ("stem",)
    parts: list[tuple[Path, str, int, int]] = [
        (stem, "the stem", network.stem_cost.params, network.stem_cost.macs)
    ]
    for stage in network.stages:
        cost = stage.cost
        parts.append((("stages", stage.index), f"stage {stage.name}", cost.params, cost.macs))
    head = f"the head ({network.head.num_classes:,} classes)"
    parts.append((("head",), head, network.head_cost.params, network.head_cost.macs))
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


def memory_problem(
    spec: NetworkSpec, image_size: int, batch: int, max_bytes: int | None = DEFAULT_MAX_MEMORY
) -> str | None:
    """Why running ``spec`` on ``batch`` images of ``image_size`` would need more than
    ``max_bytes`` (weights and every activation, as float32), or None."""
    if max_bytes is None:
        return None
    network = walk(spec, image_size)
    total = network.total()
    image = spec.input.channels * image_size * image_size
    weights = BYTES_PER_VALUE * total.params
    activations = BYTES_PER_VALUE * batch * (image + total.acts)
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
