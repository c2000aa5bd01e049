"""The inside of one block: the SK unit as the paper's Figure 1 (split, fuse, select), inside
the bottleneck's 1×1 convs and the shortcut; the plain and basic blocks alike.

Everything is read from the block's plan (widths, stride, SK settings); nothing is built.
"""

from __future__ import annotations

from collections.abc import Callable

from skbuilder.blocks import ResidualBlock, SKSettings, get_block
from skbuilder.render.errors import DiagramError
from skbuilder.render.geometry import Shape
from skbuilder.render.style import Canvas, chw, html
from skbuilder.spec import BlockPlan

TITLES = {
    "sk_bottleneck": "SK bottleneck",
    "bottleneck": "bottleneck",
    "sk_basic": "SK basic block",
    "basic": "basic block",
}

Drawer = Callable[[Canvas, BlockPlan, Shape, str, str], tuple[str, Shape]]


def title(kind: str) -> str:
    return TITLES.get(kind, kind)


def uses_sk(kind: str) -> bool:
    return bool(getattr(get_block(kind), "uses_sk", False))


def _stride(stride: int) -> str:
    return f", stride {stride}" if stride != 1 else ""


def branch_text(sk: SKSettings) -> str:
    """The branches in a few characters: '3×3, 3×3 dil 2'."""
    return ", ".join(f"{k}×{k}" + (f" dil {dil}" if dil > 1 else "") for k, dil in sk.branches())


# -- one node per block (network level) ------------------------------------------------------


def summary_lines(plan: BlockPlan) -> list[str | tuple[str, str]]:
    """What a block is, in three lines: its kind, its widths, its SK settings."""
    mid, sk = plan.params.w_mid, plan.params.sk
    widths = f"{plan.w_in} → {mid} → {plan.w_out}"
    layers = {
        "sk_bottleneck": "1×1 → SK → 1×1",
        "bottleneck": f"1×1 → 3×3 G={sk.G} → 1×1",
        "sk_basic": "SK → 3×3",
        "basic": "3×3 → 3×3",
    }
    lines: list[str | tuple[str, str]] = [("b", title(plan.kind))]
    if plan.kind in layers:
        lines += [layers[plan.kind], f"{widths}{_stride(plan.stride)}"]
    else:
        lines.append(f"{plan.w_in} → {plan.w_out}{_stride(plan.stride)}")
    if uses_sk(plan.kind) and plan.kind in layers:
        lines.append(("small", f"M={sk.M} ({branch_text(sk)}), G={sk.G}, d={sk.d(mid)}"))
    return lines


# -- the full block (block and stage levels) -------------------------------------------------


def draw_block(
    cv: Canvas, plan: BlockPlan, x: Shape, source: str, prefix: str
) -> tuple[str, Shape]:
    """Draw the block fed by node ``source`` carrying ``x``; returns its last node and output."""
    drawer = DRAWERS.get(plan.kind)
    if drawer is None:
        known = ", ".join(DRAWERS)
        raise DiagramError(
            f"no block-level drawing for block kind {plan.kind!r} (drawn: {known}); "
            "use --level network"
        )
    return drawer(cv, plan, x, source, prefix)


def draw_sk_conv(
    cv: Canvas, p: str, source: str, x: Shape, c_out: int, stride: int, sk: SKSettings
) -> tuple[str, Shape]:
    """Split, fuse, select (the paper's Figure 1); returns the node making V and V's shape."""
    M, c_branch = sk.M, (x.c // sk.M if sk.split_input else x.c)
    k0, dil0 = sk.branches()[0]
    u = x.after_conv(c_out, k0, stride, dil0)
    d = sk.d(c_out)
    with cv.cluster(f"{p}sk", html(("b", "SK convolution")), fill="#fffaf3"):
        with cv.cluster(f"{p}split", html(("b", "Split")), fill="#ffffff"):
            for m, (k, dil) in enumerate(sk.branches(), 1):
                field = dil * (k - 1) + 1
                lines: list[str | tuple[str, str]] = [
                    ("b", f"{k}×{k} conv" + (f", dilation {dil}" if dil > 1 else "")),
                    f"G={sk.G}{_stride(stride)}",
                    ("small", f"BN, ReLU · field {field}×{field}"),
                ]
                cv.node(f"{p}branch{m}", "branch", html(*lines))
                into = f"slice {m}: {chw(c_branch, x.h, x.w)}" if sk.split_input else str(x)
                cv.edge(source, f"{p}branch{m}", into)
        with cv.cluster(f"{p}fuse", html(("b", "Fuse")), fill="#ffffff"):
            total = cv.node(f"{p}sum_u", "merge", "+")
            gap = cv.node(f"{p}gap", "pool", html(("b", "global avg pool"), ("small", "F_gp")))
            fc_z = cv.node(
                f"{p}fc_z",
                "fc",
                html(
                    ("b", f"fc {c_out} → d, BN, ReLU"),
                    f"d = max(C/r, L) = max({c_out}/{sk.r}, {sk.L}) = {d}",
                    ("small", "F_fc"),
                ),
            )
        with cv.cluster(f"{p}select", html(("b", "Select")), fill="#ffffff"):
            fc_a = cv.node(f"{p}fc_a", "fc", html(("b", "fc d → M·C"), f"{d} → {M}·{c_out}"))
            soft = cv.node(
                f"{p}softmax", "softmax", html(("b", "softmax"), f"across the M={M} branches")
            )
            muls = [cv.node(f"{p}mul{m}", "merge", "×") for m in range(1, M + 1)]
            v = cv.node(f"{p}sum_v", "merge", "+")
    for m, mul in enumerate(muls, 1):
        cv.edge(f"{p}branch{m}", total, f"U{m}" if M <= 4 else None)
        cv.edge(f"{p}branch{m}", mul, f"U{m}" if M <= 4 else None, style="dashed")
        cv.edge(soft, mul, f"a{m} {chw(c_out, 1, 1)}" if m == 1 else f"a{m}")
        cv.edge(mul, v)
    cv.edge(total, gap, f"U {u}")
    cv.edge(gap, fc_z, f"s {u.pooled()}")
    cv.edge(fc_z, fc_a, f"z {chw(d, 1, 1)}")
    cv.edge(fc_a, soft, f"{M}×{c_out}×1×1")
    return v, u


def _conv(
    cv: Canvas,
    name: str,
    kernel: int,
    c_in: int,
    c_out: int,
    *,
    stride: int = 1,
    G: int = 1,
    act: bool = True,
) -> str:
    groups = f", G={G}" if G > 1 else ""
    return cv.node(
        name,
        "conv",
        html(
            ("b", f"{kernel}×{kernel} conv"),
            f"{c_in} → {c_out}{groups}{_stride(stride)}",
            ("small", "BN, ReLU" if act else "BN"),
        ),
    )


def _residual(
    cv: Canvas, p: str, plan: BlockPlan, x: Shape, source: str, last: str, y: Shape
) -> tuple[str, Shape]:
    """Add the shortcut to the residual branch's output ``last`` and apply the final ReLU."""
    total = cv.node(f"{p}sum_out", "merge", "+")
    cv.edge(last, total, str(y))
    if ResidualBlock.needs_projection(plan.w_in, plan.w_out, plan.stride):
        proj = cv.node(
            f"{p}shortcut",
            "shortcut",
            html(
                ("b", "shortcut: 1×1 conv"),
                f"{plan.w_in} → {plan.w_out}{_stride(plan.stride)}",
                ("small", "BN"),
            ),
        )
        cv.edge(source, proj, str(x), style="dashed")
        cv.edge(proj, total, str(y), style="dashed")
    else:
        cv.edge(source, total, "identity", style="dashed")
    out = cv.node(f"{p}relu", "act", html(("b", "ReLU")))
    cv.edge(total, out)
    return out, y


def _sk_bottleneck(cv: Canvas, plan: BlockPlan, x: Shape, source: str, p: str) -> tuple[str, Shape]:
    mid = plan.params.w_mid
    conv1 = _conv(cv, f"{p}conv1", 1, plan.w_in, mid)
    cv.edge(source, conv1, str(x))
    v, u = draw_sk_conv(cv, p, conv1, x.with_c(mid), mid, plan.stride, plan.params.sk)
    conv3 = _conv(cv, f"{p}conv3", 1, mid, plan.w_out, act=False)
    cv.edge(v, conv3, f"V {u}")
    return _residual(cv, p, plan, x, source, conv3, u.with_c(plan.w_out))


def _bottleneck(cv: Canvas, plan: BlockPlan, x: Shape, source: str, p: str) -> tuple[str, Shape]:
    mid, G = plan.params.w_mid, plan.params.sk.G
    conv1 = _conv(cv, f"{p}conv1", 1, plan.w_in, mid)
    cv.edge(source, conv1, str(x))
    conv2 = _conv(cv, f"{p}conv2", 3, mid, mid, stride=plan.stride, G=G)
    cv.edge(conv1, conv2, str(x.with_c(mid)))
    u = x.after_conv(mid, 3, plan.stride)
    conv3 = _conv(cv, f"{p}conv3", 1, mid, plan.w_out, act=False)
    cv.edge(conv2, conv3, str(u))
    return _residual(cv, p, plan, x, source, conv3, u.with_c(plan.w_out))


def _sk_basic(cv: Canvas, plan: BlockPlan, x: Shape, source: str, p: str) -> tuple[str, Shape]:
    mid = plan.params.w_mid
    v, u = draw_sk_conv(cv, p, source, x, mid, plan.stride, plan.params.sk)
    conv2 = _conv(cv, f"{p}conv2", 3, mid, plan.w_out, act=False)
    cv.edge(v, conv2, f"V {u}")
    return _residual(cv, p, plan, x, source, conv2, u.with_c(plan.w_out))


def _basic(cv: Canvas, plan: BlockPlan, x: Shape, source: str, p: str) -> tuple[str, Shape]:
    mid = plan.params.w_mid
    conv1 = _conv(cv, f"{p}conv1", 3, plan.w_in, mid, stride=plan.stride)
    cv.edge(source, conv1, str(x))
    u = x.after_conv(mid, 3, plan.stride)
    conv2 = _conv(cv, f"{p}conv2", 3, mid, plan.w_out, act=False)
    cv.edge(conv1, conv2, str(u))
    return _residual(cv, p, plan, x, source, conv2, u.with_c(plan.w_out))


DRAWERS: dict[str, Drawer] = {
    "sk_bottleneck": _sk_bottleneck,
    "bottleneck": _bottleneck,
    "sk_basic": _sk_basic,
    "basic": _basic,
}
