"""ResNeXt-style bottlenecks: 1x1 -> (SK or grouped 3x3) -> 1x1, with a residual."""

from __future__ import annotations

from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops import SK, Conv, Op, Residual, projection
from skbuilder.blocks.params import BlockParams, Violation, require_divisible
from skbuilder.blocks.registry import register_block


def sk_width_rules(
    w_in: int, w_out: int, params: BlockParams, *, field: str, name: str
) -> list[Violation]:
    """Group and split rules of an SK conv from ``w_in`` (called ``name``, set at ``field``) to
    ``w_out`` channels: every branch's groups divide its input and the output."""
    sk = params.sk
    problems: list[Violation] = []
    if sk.split_input:
        problems += require_divisible(
            w_in, sk.M, field="sk.split_input", what=name, by=f"M={sk.M} (split_input)"
        )
        name = f"{name}/M"
    for groups, by in _groups(params):
        problems += require_divisible(sk.branch_width(w_in), groups, field=field, what=name, by=by)
        if w_out != w_in:
            problems += require_divisible(w_out, groups, field="sk.G", what="width", by=by)
    return problems


def _groups(params: BlockParams) -> list[tuple[int, str]]:
    """Each distinct groups value of the split, with how to name it."""
    sk, seen = params.sk, {}
    for m, branch in enumerate(sk.split_convs(), 1):
        written = sk.branches is not None and sk.branches[m - 1].groups is not None
        seen.setdefault(
            branch.groups, f"groups={branch.groups} (branch {m})" if written else f"G={sk.G}"
        )
    return list(seen.items())


@register_block("sk_bottleneck")
class SKBottleneck(BlockKind):
    """The SK unit of the paper: 1x1 conv -> SK conv (stride here) -> 1x1 conv, residual."""

    title = "SK bottleneck"

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid = params.w_mid
        body = (
            ("conv1", Conv(w_in, mid)),
            ("conv2", SK(mid, mid, stride, params.sk)),
            ("conv3", Conv(mid, w_out, act=False)),
        )
        return Residual(body, projection(w_in, w_out, stride))

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return sk_width_rules(
            params.w_mid, params.w_mid, params, field="mid_width", name="mid_width"
        )


@register_block("bottleneck")
class Bottleneck(BlockKind):
    """Plain ResNeXt bottleneck (the paper's baseline): the SK conv replaced by one grouped 3x3
    with the network's ``G``."""

    title = "bottleneck"

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid, G = params.w_mid, params.sk.G
        body = (
            ("conv1", Conv(w_in, mid)),
            ("conv2", Conv(mid, mid, 3, stride, groups=G)),
            ("conv3", Conv(mid, w_out, act=False)),
        )
        return Residual(body, projection(w_in, w_out, stride))

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        G = params.sk.G
        return require_divisible(params.w_mid, G, field="mid_width", what="mid_width", by=f"G={G}")
