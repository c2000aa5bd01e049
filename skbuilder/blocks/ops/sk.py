"""The Selective Kernel convolution (Li et al., CVPR 2019) as an op: split, fuse, select."""

from __future__ import annotations

from dataclasses import dataclass, field

from skbuilder.blocks import cost as cc
from skbuilder.blocks.cost import Cost
from skbuilder.blocks.ops.base import (
    Canvas,
    Line,
    Op,
    Shape,
    child,
    chw,
    module_note,
    stride_text,
    tensor_note,
)
from skbuilder.blocks.ops.conv import Conv
from skbuilder.blocks.settings import SKSpec


@dataclass(frozen=True)
class SK(Op):
    """M grouped conv branches over one input, mixed per channel by input-dependent attention.

    Split: branch m is conv(k_m, dilation_m, groups, stride) -> BN -> act.
    Fuse:  z = act(BN(W * GAP(sum_m U_m))), W: C -> d, d = max(C/r, L).
    Select: a = softmax_M(reshape(W' z)), V = sum_m a_m * U_m.
    A single branch has no choice to make and so no fuse or select layers.
    """

    w_in: int
    w_out: int
    stride: int = 1
    sk: SKSpec = field(default_factory=SKSpec)
    style = "sk"

    def branches(self) -> list[Conv]:
        sk, w_branch = self.sk, self.sk.branch_width(self.w_in)
        return [
            Conv(w_branch, self.w_out, b.kernel, self.stride, b.dilation, b.groups, sk.branch_act)
            for b in sk.split_convs()
        ]

    def children(self) -> list[Conv]:
        return self.branches()

    def problems(self) -> list[str]:
        if self.sk.split_input and self.w_in % self.sk.M:
            return [f"M={self.sk.M} must divide the input width {self.w_in} (split_input)"]
        return []

    def complexity(self, cx: Cost) -> Cost:
        out = cx
        for branch in self.branches():
            out = out.then(branch.complexity(cx).delta(cx))
        if not self.sk.attends:
            return out
        C, d = self.w_out, self.sk.d(self.w_out)
        pooled = cc.global_pool(out)
        att = cc.norm(cc.conv(pooled, C, d, 1), d)  # fuse: W, BN
        att = cc.conv(att, d, self.sk.M * C, 1)  # select: W'
        return out.beside(att.delta(pooled))

    def lines(self) -> list[Line]:
        return [("b", "SK conv"), f"{self.w_in} → {self.w_out}{stride_text(self.stride)}"]

    def short(self) -> str:
        return "SK"

    def detail(self) -> list[Line]:
        sk = self.sk
        choice = f"d={sk.d(self.w_out)}" if sk.attends else "summed"
        return [("small", f"M={sk.M} ({branch_text(sk)}), G={sk.G}, {choice}")]

    def draw(
        self, cv: Canvas, name: str, source: str, x: Shape, path: str = ""
    ) -> tuple[str, Shape]:
        """Split, fuse, select (the paper's Figure 1); returns the node making V. Nodes name
        the modules of ``SKConv``: ``split.0``, ``fuse``, ``select``."""
        sk, p, C = self.sk, f"{name}_" if name else "", self.w_out
        M = sk.M
        u = self.out_shape(x)
        with cv.cluster(f"{p}sk", [("b", "SK convolution")], fill="#fffaf3"):
            with cv.cluster(f"{p}split", [("b", "Split")], fill="#ffffff"):
                for m, branch in enumerate(self.branches(), 1):
                    field = branch.dilation * (branch.kernel - 1) + 1
                    k, dil = branch.kernel, branch.dilation
                    lines: list[Line] = [
                        ("b", f"{k}×{k} conv" + (f", dilation {dil}" if dil > 1 else "")),
                        f"G={branch.groups}{stride_text(self.stride)}",
                        ("small", f"{branch.lines()[-1][1]} · field {field}×{field}"),
                    ]
                    branch_path = child(child(path, "split"), m - 1)
                    cv.node(f"{p}branch{m}", "branch", lines, **module_note(branch_path))
                    into = str(x)
                    if sk.split_input:
                        into = f"slice {m}: {chw(sk.branch_width(x.c), x.h, x.w)}"
                    cv.edge(source, f"{p}branch{m}", into, **tensor_note(branch_path))
            if not sk.attends:
                return self._draw_sum(cv, p, u)
            fuse, select = child(path, "fuse"), child(path, "select")
            d = sk.d(C)
            with cv.cluster(f"{p}fuse", [("b", "Fuse")], fill="#ffffff"):
                total = cv.node(f"{p}sum_u", "merge", ["+"])
                gap = cv.node(f"{p}gap", "pool", [("b", "global avg pool"), ("small", "F_gp")])
                fc_z = cv.node(
                    f"{p}fc_z",
                    "fc",
                    [
                        ("b", f"fc {C} → d, BN, ReLU"),
                        f"d = max(C/r, L) = max({C}/{sk.r}, {sk.L}) = {d}",
                        ("small", "F_fc"),
                    ],
                    **module_note(fuse),
                )
            with cv.cluster(f"{p}select", [("b", "Select")], fill="#ffffff"):
                fc_a = cv.node(
                    f"{p}fc_a",
                    "fc",
                    [("b", "fc d → M·C"), f"{d} → {M}·{C}"],
                    **module_note(child(select, "fc")),
                )
                soft = cv.node(
                    f"{p}softmax",
                    "softmax",
                    [("b", "softmax"), f"across the M={M} branches"],
                    **module_note(select),
                )
                muls = [cv.node(f"{p}mul{m}", "merge", ["×"]) for m in range(1, M + 1)]
                v = cv.node(f"{p}sum_v", "merge", ["+"])
        for m, mul in enumerate(muls, 1):
            cv.edge(f"{p}branch{m}", total, f"U{m}" if M <= 4 else None)
            cv.edge(f"{p}branch{m}", mul, f"U{m}" if M <= 4 else None, style="dashed")
            if m == 1:
                cv.edge(soft, mul, f"a{m} {chw(C, 1, 1)}", **tensor_note(select, "output", m))
            else:
                cv.edge(soft, mul, f"a{m}")
            cv.edge(mul, v)
        # U is the sum of the branches, so it has the shape of each one
        first_branch = child(child(path, "split"), 0)
        cv.edge(total, gap, f"U {u}", **tensor_note(first_branch, "output"))
        cv.edge(gap, fc_z, f"s {u.pooled()}", **tensor_note(child(fuse, "fc")))
        cv.edge(fc_z, fc_a, f"z {chw(d, 1, 1)}", **tensor_note(fuse, "output"))
        cv.edge(fc_a, soft, f"{M}·{C}×1×1", **tensor_note(child(select, "fc"), "output"))
        return v, u

    def _draw_sum(self, cv: Canvas, p: str, u: Shape) -> tuple[str, Shape]:
        """Without attention: one branch is the output, several are added."""
        if self.sk.M == 1:
            return f"{p}branch1", u
        total = cv.node(f"{p}sum_v", "merge", ["+"])
        for m in range(1, self.sk.M + 1):
            cv.edge(f"{p}branch{m}", total, f"U{m}" if self.sk.M <= 4 else None)
        return total, u


def branch_text(sk: SKSpec) -> str:
    """The branches in a few characters: '3×3, 3×3 dil 2'."""
    return ", ".join(
        f"{b.kernel}×{b.kernel}" + (f" dil {b.dilation}" if b.dilation > 1 else "")
        for b in sk.split_convs()
    )
