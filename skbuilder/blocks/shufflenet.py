"""The ShuffleNetV2 unit as a block kind. Its one spatial conv, the depthwise 3x3 of the main
branch, is where a receptive-field choice can be made, so attention ``sk`` turns it into a
depthwise SK conv; ``se``/``cbam`` gate the unit's concatenated output before the shuffle (as
the SKNet authors' SE-ShuffleNetV2 does)."""

from __future__ import annotations

from skbuilder.blocks.kind import BlockKind
from skbuilder.blocks.ops import SK, Conv, Op
from skbuilder.blocks.ops.gate import gate_op
from skbuilder.blocks.ops.shuffle import ShuffleUnit
from skbuilder.blocks.params import BlockParams, Violation
from skbuilder.blocks.registry import register_block


@register_block("shufflenet_v2")
class ShuffleNetV2(BlockKind):
    """Main branch: 1x1 conv, BN, ReLU -> depthwise 3x3 (stride), BN -> 1x1 conv, BN, ReLU, on
    half the channels (stride 1) or the whole input (stride 2, beside a depthwise 3x3 + 1x1
    projection branch); each branch gives out_width/2 channels."""

    title = "ShuffleNetV2 unit"
    attentions = frozenset({"sk", "se", "cbam", "none"})
    width_multiple = 2
    keeps_width = True
    uses_mid_width = False

    def layout(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> Op:
        c = w_out // 2
        c_in = w_in if stride == 2 else c
        attention = self.attention_of(params)
        if attention.kind == "sk":
            dw: Op = SK(c, c, stride, params.sk.depthwise(c))
        else:
            dw = Conv(c, c, 3, stride, groups=c, act=False)
        main = (("conv1", Conv(c_in, c)), ("conv2", dw), ("conv3", Conv(c, c)))
        proj = None
        if stride == 2:
            proj = (
                ("conv1", Conv(w_in, w_in, 3, 2, groups=w_in, act=False)),
                ("conv2", Conv(w_in, c)),
            )
        return ShuffleUnit(w_in, w_out, stride, main, proj, gate_op(attention, w_out))

    def unused(self, params: BlockParams) -> dict[str, str]:
        unused = {"groups": "a ShuffleNetV2 unit's 3×3 conv is depthwise (one group per channel)"}
        if self.attention_of(params).kind != "sk":
            unused["sk"] = "a ShuffleNetV2 unit without attention sk has no SK conv"
        else:
            unused["sk.G"] = (
                "the SK conv of a ShuffleNetV2 unit is depthwise: one group per channel"
            )
            unused["sk.split_input"] = "a depthwise SK conv gives every branch every channel"
        return unused

    def rules(self, w_in: int, w_out: int, stride: int, params: BlockParams) -> list[Violation]:
        problems = []
        branches = params.sk.branches or ()
        if self.attention_of(params).kind == "sk" and any(b.groups is not None for b in branches):
            problems.append(
                Violation(
                    "sk.branches",
                    "a branch's groups have no effect: the SK conv of a ShuffleNetV2 unit is "
                    "depthwise (one group per channel)",
                )
            )
        if w_out % 2:
            problems.append(
                Violation("out_width", f"a ShuffleNetV2 unit needs an even width, got {w_out}")
            )
        if stride == 1 and w_in != w_out:
            problems.append(
                Violation(
                    "stride",
                    f"a stride-1 ShuffleNetV2 unit keeps its width ({w_in} in, {w_out} out)",
                    "give the stage stride 2, or the same width as its input",
                )
            )
        if params.w_mid != w_out:
            problems.append(
                Violation(
                    "mid_width",
                    "a ShuffleNetV2 unit splits out_width into two halves; leave mid_width out",
                )
            )
        return problems
