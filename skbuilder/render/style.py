"""One look for every diagram: a colour per kind of operation, node and edge helpers, a legend.

Labels are Graphviz HTML-like labels, so text is escaped here and nowhere else. Only glyphs the
bundled fonts of common renderers carry are used (× − · →); sums and products are drawn as circles
holding "+" and "×", as in the paper's Figure 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape

import graphviz

from skbuilder.blocks.ops.base import Line
from skbuilder.render.choices import MAX_PIXELS, PNG_DPI

FONT = "Helvetica"
EDGE_COLOUR = "#555555"


@dataclass(frozen=True)
class Op:
    """A kind of operation: its fill and border colours and the legend's words for it."""

    fill: str
    border: str
    meaning: str
    shape: str = "box"


#: Fills from ColorBrewer's qualitative Set3 (grey tensors, tan pooling and white sums and
#: products besides), each with a darker border of its hue; every pair of fills differs by a
#: CIEDE2000 distance of at least 12 (tests/test_diagrams.py).
OPS: dict[str, Op] = {
    "io": Op("#bdbdbd", "#636363", "input / output tensor", "box"),
    "conv": Op("#80b1d3", "#3f6e91", "convolution + BN (+ ReLU)"),
    "sk": Op("#fdb462", "#b86e12", "SK convolution / SK unit"),
    "branch": Op("#ffed6f", "#a68f00", "split: one SK branch (conv + BN + ReLU)"),
    "pool": Op("#e5d8bd", "#8c7a55", "pooling"),
    "fc": Op("#bebada", "#6a5f9e", "fully connected (+ BN, ReLU)"),
    "softmax": Op("#fb8072", "#b0413a", "softmax across branches"),
    "merge": Op("#ffffff", "#444444", "element-wise sum (+) / product (×)", "circle"),
    "act": Op("#b3de69", "#5f8a25", "activation (ReLU)"),
    "shortcut": Op("#8dd3c7", "#3a8a7e", "shortcut projection (1×1 conv + BN)"),
    "attention": Op("#bc80bd", "#6e3570", "attention gate (SE, CBAM, BAM)"),
    "shuffle": Op("#ccebc5", "#4f8a46", "channel split, concat, shuffle"),
    "repeat": Op("#fccde5", "#b0668c", "repeated blocks, collapsed"),
}


def html(*lines: Line) -> str:
    """An HTML-like label: each plain string a line; ``("b", text)`` a bold line and
    ``("small", text)`` a smaller grey line. Text is escaped."""
    parts = []
    for line in lines:
        if isinstance(line, tuple):
            style, text = line
            if style == "b":
                parts.append(f"<b>{escape(text)}</b>")
            else:
                parts.append(f'<font point-size="10" color="#444444">{escape(text)}</font>')
        else:
            parts.append(escape(line))
    return "<" + "<br/>".join(parts) + ">"


class Canvas:
    """A digraph in the house style that remembers which kinds of operation it holds, so the
    legend lists exactly those. Nodes go into the innermost open cluster; edges always go to
    the root graph (an edge inside a cluster would pull its end nodes into that cluster)."""

    def __init__(self, name: str, title: str | None = None, *, rankdir: str = "TB") -> None:
        self.graph = graphviz.Digraph(
            name,
            graph_attr={
                "rankdir": rankdir,
                "fontname": FONT,
                "fontsize": "14",
                "nodesep": "0.3",
                "ranksep": "0.35",
                "newrank": "true",
                "bgcolor": "white",
                "labelloc": "t",
                "compound": "true",
                # inches: at most MAX_PIXELS on either side at the default resolution
                "size": f"{MAX_PIXELS / PNG_DPI:.3f},{MAX_PIXELS / PNG_DPI:.3f}",
            },
            node_attr={"fontname": FONT, "fontsize": "12", "margin": "0.16,0.06"},
            edge_attr={
                "fontname": FONT,
                "fontsize": "10",
                "fontcolor": "#333333",
                "color": EDGE_COLOUR,
                "arrowsize": "0.7",
            },
        )
        if title:
            self.graph.attr(label=html(("b", title)))
        self.ops: list[str] = []
        self._stack: list[graphviz.Digraph] = [self.graph]
        self._edges: list[tuple[str, str, dict[str, str]]] = []
        self._line_heads: list[str] = []

    @contextmanager
    def cluster(self, name: str, title: Sequence[Line], *, fill: str = "#fafafa") -> Iterator[None]:
        """Nodes added inside the ``with`` block form one box titled ``title``."""
        with self._stack[-1].subgraph(name=f"cluster_{name}") as sub:
            sub.attr(
                label=html(*title),
                style="rounded,filled",
                fillcolor=fill,
                color="#9a9a9a",
                fontname=FONT,
                fontsize="12",
                labeljust="l",
            )
            self._stack.append(sub)
            try:
                yield
            finally:
                self._stack.pop()

    def node(self, name: str, style: str, lines: Sequence[Line], **attrs: str) -> str:
        """Add a node drawn as operation ``style`` labelled ``lines``; returns its name."""
        op = style
        style_of = OPS[op]
        base = {
            "label": html(*lines),
            "shape": style_of.shape,
            "style": "rounded,filled",
            "fillcolor": style_of.fill,
            "color": style_of.border,
            "class": op,
        }
        if style_of.shape == "circle":
            base.update(style="filled", width="0.34", fixedsize="true", fontsize="15")
        if op == "repeat":
            base.update(style="rounded,dashed,filled")
        base.update(attrs)
        self._stack[-1].node(name, **base)
        if op not in self.ops:
            self.ops.append(op)
        return name

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
        """An edge labelled with the tensor it carries, if given."""
        if label:
            attrs.setdefault("label", f" {label} ")
        self._edges.append((tail, head, attrs))

    def edge_count(self) -> int:
        """How many edges are drawn so far (a mark for ``line``)."""
        return len(self._edges)

    def line(self, source: str, since: int, *, new: bool) -> None:
        """Mark what was drawn since edge ``since``, fed by node ``source``, as a piece of a
        chain. A ``new`` piece starts a new column (top to bottom) or row (left to right) beside
        the first instead of below it: the edges from ``source`` into it stop ranking it after
        ``source``, and the first nodes of all lines are ranked together."""
        into = [(tail, head, attrs) for tail, head, attrs in self._edges[since:] if tail == source]
        if not into:
            return
        if new:
            for _, _, attrs in into:
                attrs["constraint"] = "false"
        if new or not self._line_heads:
            self._line_heads.append(into[0][1])

    def rank_same(self, *names: str) -> None:
        """Keep these nodes side by side."""
        with self.graph.subgraph() as row:
            row.attr(rank="same")
            for n in names:
                row.node(n)

    def finish(self, *, legend: bool = True) -> graphviz.Digraph:
        """The graph, its edges written after every node, with a legend of the operations drawn."""
        for tail, head, attrs in self._edges:
            self.graph.edge(tail, head, **attrs)
        self._edges.clear()
        if len(self._line_heads) > 1:
            self.rank_same(*self._line_heads)
        if legend:
            self._legend()
        return self.graph

    def _legend(self) -> None:
        rows = ['<tr><td colspan="2" align="left"><b>legend</b></td></tr>']
        for op in sorted(self.ops, key=list(OPS).index):
            style = OPS[op]
            rows.append(
                f'<tr><td bgcolor="{style.fill}" border="1" color="{style.border}" width="18" '
                f'height="12" fixedsize="true"></td>'
                f'<td align="left">{escape(style.meaning)}</td></tr>'
            )
        table = (
            '<table border="1" color="#bbbbbb" cellborder="0" cellspacing="2" cellpadding="2">'
            + "".join(rows)
            + "</table>"
        )
        self.graph.node("legend", label=f"<{table}>", shape="plaintext", fontsize="10")
