"""``skbuilder render SPEC -o FILE``: an architecture diagram (SVG, PNG or DOT) from the spec."""

from __future__ import annotations

import argparse

from skbuilder import progress
from skbuilder.atomic_write import check_output_path
from skbuilder.cli.common import (
    CLIError,
    MissingPackage,
    add_input_size_argument,
    add_spec_argument,
    bounded_int,
    image_size_from_args,
    spec_from_args,
    stage_ref,
)
from skbuilder.render.choices import FORMATS, LEVELS, MAX_DRAWN_BLOCKS, PNG_DPI, RANKDIRS
from skbuilder.text import shown

#: PNG resolutions accepted: from screen to print (a full-page figure at 1200 dpi is ~100 MB).
DPI_RANGE = (36, 1200)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "render", help="draw the network, a stage or an SK unit (svg, png, pdf, dot)"
    )
    add_spec_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    p.add_argument(
        "--level",
        choices=LEVELS,
        default="network",
        help="network: stages with repeated blocks collapsed (default); stage: the blocks "
        "of one stage in full; block: the first block of one stage in full (the SK unit)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from FILE's suffix); dot needs no Graphviz program, "
        "pdf the system one",
    )
    p.add_argument(
        "--stage",
        type=stage_ref,
        default=None,
        metavar="NAME|INDEX",
        help="stage for --level stage/block, by name or 0-based index (default: first SK stage)",
    )
    p.add_argument(
        "--rankdir",
        choices=RANKDIRS,
        default="TB",
        help="TB: top to bottom (default); LR: left to right, for wide pages and slides",
    )
    p.add_argument(
        "--dpi",
        type=bounded_int(*DPI_RANGE),
        default=None,
        metavar="N",
        help=f"PNG resolution in dots per inch (default {PNG_DPI}; 300 for print)",
    )
    p.add_argument(
        "--expand",
        action="store_true",
        help=f"--level stage: draw every block, also of stages deeper than {MAX_DRAWN_BLOCKS} "
        "(by default: first block, one node for the blocks between, last block)",
    )
    add_input_size_argument(p, " for the shapes")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_output_path(args.output)  # before the name is read as a Path (d.svg/ -> d.svg)
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    from skbuilder.render import DiagramError, RendererNotFound, diagram, write_diagram
    from skbuilder.render.renderer import format_for

    try:
        fmt = format_for(args.output, args.format)
        if args.dpi is not None and fmt != "png":
            raise CLIError(f"--dpi applies to PNG output only, not {fmt}")
        if args.expand and args.level != "stage":
            raise CLIError("--expand applies to --level stage only")
        with progress.steps(f"render {spec.name}", ("draw", f"render {fmt}")) as step:
            step("draw")
            graph = diagram(
                spec,
                args.level,
                stage=args.stage,
                image_size=size,
                rankdir=args.rankdir,
                expand=args.expand,
            )
            step(f"render {fmt}")
            path = write_diagram(graph, args.output, fmt, dpi=args.dpi)
    except RendererNotFound as exc:
        raise MissingPackage(str(exc)) from None
    except DiagramError as exc:
        raise CLIError(str(exc)) from None
    print(f"wrote {shown(path, 200)} ({spec.name}, {args.level} level)")
    return 0
