"""ResNet-18/34-style basic blocks: two 3x3 convs with a residual; the SK variant makes the
first one an SK conv (as timm's SK-ResNet does)."""

from __future__ import annotations

from skbuilder.blocks.bottleneck import sk_width_rules
from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops import SK, Conv, Op, Residual, projection
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.blocks.registry import register_block


@register_block("sk_basic")
class SKBasic(BlockKind):
    """SK conv w_in -> w_mid (stride here) -> 3x3 conv w_mid -> w_out, residual."""

    title = "SK basic block"

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid = params.w_mid
        body = (
            ("conv1", SK(w_in, mid, stride, params.sk)),
            ("conv2", Conv(mid, w_out, 3, act=False)),
        )
        return Residual(body, projection(w_in, w_out, stride))

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        return sk_width_rules(w_in, params.w_mid, params, field="sk.G", name="input width")


@register_block("basic")
class Basic(BlockKind):
    """Plain ResNet basic block: 3x3 conv (stride here) -> 3x3 conv, residual. No groups."""

    title = "basic block"

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        mid = params.w_mid
        body = (
            ("conv1", Conv(w_in, mid, 3, stride)),
            ("conv2", Conv(mid, w_out, 3, act=False)),
        )
        return Residual(body, projection(w_in, w_out, stride))
