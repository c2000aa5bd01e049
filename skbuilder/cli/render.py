"""``skbuilder render SPEC -o FILE``: an architecture diagram (SVG, PNG or DOT) from the spec."""

from __future__ import annotations

import argparse

from skbuilder.cli.common import (
    CLIError,
    add_input_size_argument,
    add_spec_argument,
    image_size_from_args,
    spec_from_args,
    stage_ref,
)
from skbuilder.render import FORMATS, LEVELS, DiagramError, diagram, write_diagram
from skbuilder.spec.errors import shown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="draw the network, a stage or an SK unit (svg, png, dot)")
    add_spec_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    p.add_argument(
        "--level",
        choices=LEVELS,
        default="network",
        help="network: stages with repeated blocks collapsed (default); stage: every block "
        "of one stage; block: the first block of one stage in full (the SK unit)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from FILE's suffix); dot needs no Graphviz program",
    )
    p.add_argument(
        "--stage",
        type=stage_ref,
        default=None,
        metavar="NAME|INDEX",
        help="stage for --level stage/block, by name or 0-based index (default: first SK stage)",
    )
    add_input_size_argument(p, " for the shapes")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    try:
        graph = diagram(spec, args.level, stage=args.stage, image_size=size)
        path = write_diagram(graph, args.output, args.format)
    except DiagramError as exc:
        raise CLIError(str(exc)) from None
    print(f"wrote {shown(path, 200)} ({spec.name}, {args.level} level)")
    return 0
