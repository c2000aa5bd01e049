"""ResNet-18/34-style basic blocks: two 3x3 convs with a residual; with attention ``sk`` the first
is an SK conv (as timm's SK-ResNet), with ``se``/``cbam`` a gate follows the second."""

from __future__ import annotations

from skbuilder.blocks.bottleneck import (
    RESIDUAL_ATTENTIONS,
    sk_width_rules,
    unused_by_residual,
    with_gate,
)
from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops import SK, Conv, Op, Residual, projection
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.blocks.registry import register_block


@register_block("basic")
class Basic(BlockKind):
    """Plain ResNet basic block: 3x3 conv (stride here) -> 3x3 conv, residual. No groups."""

    title = "basic block"
    attentions = RESIDUAL_ATTENTIONS

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid = params.w_mid
        if self.attention_of(params).kind == "sk":
            conv1: Op = SK(w_in, mid, stride, params.sk)
        else:
            conv1 = Conv(w_in, mid, 3, stride)
        body = [("conv1", conv1), ("conv2", Conv(mid, w_out, 3, act=False))]
        return Residual(with_gate(body, params, self, w_out), projection(w_in, w_out, stride))

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        if self.attention_of(params).kind != "sk":
            return []
        return sk_width_rules(w_in, params.w_mid, params, field="sk.G", name="input width")

    def unused(self, params: BlockParams) -> dict[str, str]:
        return unused_by_residual(self, params, grouped=None)


@register_block("sk_basic")
class SKBasic(Basic):
    """SK conv w_in -> w_mid (stride here) -> 3x3 conv w_mid -> w_out, residual."""

    title = "SK basic block"
    default_attention = "sk"
