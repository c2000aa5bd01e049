"""ResNeXt-style bottlenecks: 1x1 -> (SK conv or grouped 3x3) -> 1x1 (-> SE or CBAM gate), with
a residual. ``sk_bottleneck`` is the SK unit of the paper; ``bottleneck`` the ResNeXt baseline."""

from __future__ import annotations

from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops import SK, Conv, Op, Residual, projection
from skbuilder.blocks.ops.gate import gate_op
from skbuilder.blocks.params import BlockParams, Violation, require_divisible
from skbuilder.blocks.registry import register_block

#: What a residual block can carry: the SK conv in place of its 3x3, or a gate on its output.
RESIDUAL_ATTENTIONS = frozenset({"sk", "se", "cbam", "none"})


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
    sk, seen = params.sk, dict[int, str]()
    for m, branch in enumerate(sk.split_convs(), 1):
        written = sk.branches is not None and sk.branches[m - 1].groups is not None
        by = f"groups={branch.groups} (branch {m})" if written else f"G={sk.G}"
        seen.setdefault(branch.groups, by)
    return list(seen.items())


def unused_by_residual(
    kind: BlockKind, params: BlockParams, *, grouped: str | None
) -> dict[str, str]:
    """What a residual block leaves unread: with attention ``sk`` its spatial conv is an SK conv
    (groups ``sk.G``), so ``groups`` is unused; otherwise ``sk`` is. ``grouped`` names the
    conv that ``groups`` sets, None where the kind has none."""
    attention = kind.attention_of(params).kind
    if attention == "sk":
        return {
            "groups": f"a {kind.name} block with attention sk has an SK conv; its groups are sk.G"
        }
    unused = {"sk": f"a {kind.name} block with attention {attention} has no SK conv"}
    if grouped is None:
        unused["groups"] = f"a {kind.name} block has no grouped conv"
    else:
        unused["sk"] += f"; the groups of {grouped} are set by `groups`"
    return unused


def with_gate(
    body: list[tuple[str, Op]], params: BlockParams, kind: BlockKind, width: int
) -> tuple[tuple[str, Op], ...]:
    """``body`` followed by the block's attention gate on its ``width`` output channels, if any."""
    gate = gate_op(kind.attention_of(params), width)
    return tuple(body if gate is None else [*body, ("gate", gate)])


@register_block("bottleneck")
class Bottleneck(BlockKind):
    """ResNeXt bottleneck: 1x1 conv -> grouped 3x3 (G, stride here) -> 1x1 conv, residual; with
    attention ``sk`` the 3x3 is an SK conv, with ``se``/``cbam`` a gate follows the last conv."""

    title = "bottleneck"
    attentions = RESIDUAL_ATTENTIONS

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid = params.w_mid
        if self.attention_of(params).kind == "sk":
            conv2: Op = SK(mid, mid, stride, params.sk)
        else:
            conv2 = Conv(mid, mid, 3, stride, groups=params.groups)
        body = [
            ("conv1", Conv(w_in, mid)),
            ("conv2", conv2),
            ("conv3", Conv(mid, w_out, act=False)),
        ]
        return Residual(with_gate(body, params, self, w_out), projection(w_in, w_out, stride))

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        if self.attention_of(params).kind == "sk":
            mid = params.w_mid
            return sk_width_rules(mid, mid, params, field="mid_width", name="mid_width")
        G = params.groups
        by = f"groups={G}"
        return require_divisible(params.w_mid, G, field="mid_width", what="mid_width", by=by)

    def unused(self, params: BlockParams) -> dict[str, str]:
        return unused_by_residual(self, params, grouped="its 3×3 conv")


@register_block("sk_bottleneck")
class SKBottleneck(Bottleneck):
    """The SK unit of the paper: 1x1 conv -> SK conv (stride here) -> 1x1 conv, residual (a
    bottleneck whose attention is ``sk`` unless the spec says otherwise)."""

    title = "SK bottleneck"
    default_attention = "sk"
