"""What a diagram can be asked for, named without drawing anything (the command line's choices
come from here, so the command starts without Graphviz)."""

from __future__ import annotations

#: Levels of detail: the whole network, every block of one stage, or one block in full.
LEVELS = ("network", "stage", "block")
#: Output formats; DOT needs no renderer, PDF the system Graphviz `dot`.
FORMATS = ("svg", "png", "pdf", "dot")
#: Layout directions: top to bottom, or left to right.
RANKDIRS = ("TB", "LR")
#: Resolution of PNG output unless asked otherwise.
PNG_DPI = 110
#: The long side of a diagram at ``PNG_DPI`` is at most this many pixels: a chain too long is
#: folded into columns (top to bottom) or rows (left to right), and what is still larger is
#: scaled down to fit.
MAX_PIXELS = 4000
#: Blocks drawn in full at stage level before the rest collapse into one "× N" node.
MAX_DRAWN_BLOCKS = 3
#: Blocks ``--expand`` draws at most: a deeper stage's drawing would take gigabytes to lay out.
MAX_EXPANDED_BLOCKS = 64
