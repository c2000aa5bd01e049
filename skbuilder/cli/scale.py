"""``skbuilder scale``: how SK attention follows object size (the paper's Figs. 3 and 4).

- ``scale analyze SPEC --images DIR``: a model (random, own or timm weights) over an image folder
  at several object scales; a tidy table (CSV, JSON) and the figures.
- ``scale experiment``: the object-scale experiment (a tiny SKNet on shapes pasted on
  photographs, several seeds, untrained baseline and positive control).
- ``scale report RESULTS``: tables and figures of an experiment, into a document.

torch and the analysis are imported inside ``run`` only, so the command line stays quick.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from skbuilder import progress
from skbuilder.cli.common import (
    MAX_BATCH,
    MAX_SEED,
    CLIError,
    FileProblem,
    add_input_size_argument,
    add_run_arguments,
    add_spec_argument,
    add_threads_argument,
    add_weights_arguments,
    bounded_int,
    image_size_from_args,
    load_weights_from_args,
    spec_from_args,
    write_text_atomic,
)
from skbuilder.text import human, shown

DEFAULT_SPEC = "sknet_tiny_scenes"
#: Bounds of the experiment's sizes: far above a laptop run, far below what would exhaust memory.
MAX_EPOCHS, MAX_IMAGES, MAX_JOBS = 1000, 1_000_000, 64
DEFAULT_RESULTS = Path("out/scale-experiment")


#: Bounds of the list options: object scales up to 8x (a crop of 1/8 of the image), few enough
#: values and seeds that the work stays countable.
MAX_SCALE, MAX_SCALES, MAX_SEEDS = 8.0, 16, 64
#: The smallest evaluation crop fraction: the image is resized to at most 4x the input size.
MIN_CROP_FRACTION = 0.25
_DECIMAL = re.compile(r"[0-9]{1,6}(\.[0-9]{0,6})?", re.ASCII)


def _items(text: str, what: str, most: int) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > most:
        raise argparse.ArgumentTypeError(f"at most {most} {what}, got {len(parts)}")
    return parts


def scale_list(text: str) -> tuple[float, ...]:
    """``1,1.5,2`` -> (1.0, 1.5, 2.0): distinct decimal scales from 1 (a centre crop) to
    ``MAX_SCALE``."""
    parts = _items(text, "scales", MAX_SCALES)
    if not all(_DECIMAL.fullmatch(part) for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected scales such as 1,1.5,2 (decimals), got '{shown(text, 40)}'"
        )
    values = tuple(float(part) for part in parts)
    if any(not 1 <= v <= MAX_SCALE for v in values) or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(
            f"object scales must be distinct, from 1 (the crop enlarges) to {MAX_SCALE:g}, "
            f"got '{shown(text, 40)}'"
        )
    return tuple(sorted(values))


def seed_list(text: str) -> tuple[int, ...]:
    """``0,1,2`` -> (0, 1, 2): distinct seeds from 0 to ``MAX_SEED``."""
    parse = bounded_int(0, MAX_SEED)
    values = tuple(parse(part) for part in _items(text, "seeds", MAX_SEEDS))
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"seeds must be distinct, got '{shown(text, 40)}'")
    return values


def crop_fraction(text: str) -> float:
    """A decimal fraction from ``MIN_CROP_FRACTION`` to 1."""
    if not _DECIMAL.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"expected a fraction such as 0.875, got '{shown(text, 40)}'"
        )
    value = float(text)
    if not MIN_CROP_FRACTION <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"the crop fraction must be from {MIN_CROP_FRACTION} to 1, got {shown(text, 40)}"
        )
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scale",
        help="attention against object size: analysis, synthetic experiment, report",
        description=(
            "How the SK units' attention on the larger kernel changes when the object grows, "
            "as in Figs. 3 and 4 of the SKNet paper."
        ),
    )
    actions = p.add_subparsers(dest="scale_command", required=True, metavar="ACTION")
    _register_analyze(actions)
    _register_experiment(actions)
    _register_report(actions)


def _register_analyze(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser(
        "analyze",
        help="attention at several object scales over a folder of images",
        description=(
            "Run the network in eval mode over every image of a folder (sub-folders are "
            "classes), enlarging the object by centre crop and resize at each scale, and keep "
            "running means per SK unit, scale and class. Writes attention.csv, attention.json "
            "and the figures into --out."
        ),
    )
    add_spec_argument(p)
    add_weights_arguments(p)
    p.add_argument("--images", required=True, metavar="DIR", help="folder of images")
    p.add_argument("--scales", type=scale_list, default=(1.0, 1.5, 2.0), metavar="S,S,...")
    p.add_argument(
        "--crop-fraction",
        type=crop_fraction,
        default=224 / 256,
        metavar="F",
        help="evaluation crop: resize the shorter side to size/F, crop the centre "
        "(default 0.875: the paper's 256 -> 224; 1 resizes straight to the input size)",
    )
    p.add_argument("--per-class", action="store_true", help="also a row and curve per class")
    p.add_argument(
        "--units",
        metavar="U,U,...",
        help="units for the per-channel figure, as SK_3_4 or conv3.3.conv2 (default: the last "
        "unit of the first, second and last stages)",
    )
    p.add_argument(
        "--batch", type=bounded_int(1, MAX_BATCH), default=16, metavar="N", help="batch size (16)"
    )
    p.add_argument(
        "--limit", type=bounded_int(1, MAX_IMAGES), metavar="N", help="use the first N images only"
    )
    p.add_argument(
        "--seed",
        type=bounded_int(0, MAX_SEED),
        default=0,
        help="seed of the weights when none are given",
    )
    add_input_size_argument(p)
    add_threads_argument(
        p, "torch threads per process (1: on a busy machine more threads can be far slower)"
    )
    p.add_argument("--out", default="out/scale-analysis", metavar="DIR", help="output folder")
    p.set_defaults(run=run_analyze)


def _register_experiment(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser(
        "experiment",
        help="train a tiny SKNet on shapes on photographs for several seeds, then analyse",
        description=(
            "The experiment of docs/scale-selection.md: per seed, measure the untrained "
            "network, train it on shapes of varying size pasted on photographs and measure it "
            "again, then train the positive control and measure that, at each object scale. "
            "Writes results.json, attention.csv, summary.csv and the figures into --out. "
            "Options left out take the experiment's own defaults (the documented run)."
        ),
    )
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help=f"network spec ({DEFAULT_SPEC})")
    p.add_argument("--seeds", type=seed_list, metavar="S,S,...")
    p.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), metavar="N")
    p.add_argument("--train-images", type=bounded_int(1, MAX_IMAGES), metavar="N", help="per epoch")
    p.add_argument("--test-images", type=bounded_int(1, MAX_IMAGES), metavar="N")
    p.add_argument("--scales", type=scale_list, metavar="S,S,...")
    p.add_argument(
        "--jobs",
        type=bounded_int(1, MAX_JOBS),
        default=min(2, os.cpu_count() or 1),
        metavar="N",
        help="seeds run in N processes at once (default: 2, or 1 on a one-CPU machine)",
    )
    add_threads_argument(
        p, "torch threads per process (1: on a busy machine more threads can be far slower)"
    )
    add_run_arguments(p)
    p.add_argument("--out", default=str(DEFAULT_RESULTS), metavar="DIR", help="output folder")
    p.set_defaults(run=run_experiment)


def _register_report(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser(
        "report",
        help="tables and figures of an experiment's results.json",
        description=(
            "Draw the figures of a finished experiment and, with --doc, replace the document's "
            "generated results block (between its marker comments) with the tables; --memory "
            "rewrites the memory block. Other parts of the document are left as they are."
        ),
    )
    p.add_argument("results", nargs="?", default=str(DEFAULT_RESULTS), help="experiment folder")
    p.add_argument("--doc", metavar="FILE.md", help="document whose generated section to update")
    p.add_argument("--figures", metavar="DIR", help="where the PNGs go (default: the results)")
    p.add_argument(
        "--memory", metavar="FILE.json", help="memory benchmark to tabulate (its own block)"
    )
    p.set_defaults(run=run_report)


def _require_plots() -> None:
    try:
        from skbuilder.analysis.scale.plots import require_matplotlib

        require_matplotlib()
    except ImportError as exc:
        raise CLIError(str(exc)) from None


def _output_folder(path: str) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create {folder}: {exc.strerror or exc}") from None
    return folder


def run_analyze(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    size = image_size_from_args(spec, args)
    if spec.input.channels != 3:
        raise CLIError(f"{spec.name} takes {spec.input.channels} input channels; images give 3")
    from skbuilder.analysis.image_files import ImageError, check_resize, image_folder, image_size
    from skbuilder.input_file import InputFileError

    try:
        items, classes = image_folder(args.images)
        items = items[: args.limit] if args.limit else items
        shorter = max(size, round(size / args.crop_fraction))  # what the evaluation crop resizes to
        for path, _ in items:  # every image's header, before anything is built or decoded
            check_resize(path, image_size(path), shorter)
    except InputFileError as exc:
        raise FileProblem(str(exc)) from None
    except ImageError as exc:
        raise CLIError(str(exc)) from None
    if args.per_class and classes is None:
        raise CLIError(f"{args.images}: --per-class needs one sub-folder of images per class")
    _require_plots()
    import torch

    from skbuilder.analysis.scale.analysis import analyze_scales, image_batches
    from skbuilder.analysis.scale.report import write_analysis
    from skbuilder.analysis.scale.units import UnitNameError, resolve_unit
    from skbuilder.nn.builder import build_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = build_model(spec).eval()
    weights = load_weights_from_args(model, args) or f"random weights (seed {args.seed})"
    try:
        picked = (
            [resolve_unit(model, u.strip()) for u in args.units.split(",")] if args.units else None
        )
    except UnitNameError as exc:
        raise CLIError(f"--units: {exc}") from None

    batches = image_batches(items, size, batch_size=args.batch, crop_fraction=args.crop_fraction)
    with progress.bar(desc="analyse", total=len(items), unit="img") as bar:
        try:
            stats = analyze_scales(
                model, batches, args.scales, class_names=classes, on_batch=bar.update
            )
        except ImageError as exc:
            raise CLIError(str(exc)) from None
        except ValueError as exc:
            raise CLIError(f"{spec.name}: {exc}") from None

    out = _output_folder(args.out)
    title = f"{spec.name}, {weights}: {len(items)} images from {args.images}"
    meta = {"spec": spec.name, "weights": weights, "crop_fraction": args.crop_fraction}
    try:
        write_analysis(stats, out, title=title, units=picked, per_class=args.per_class, meta=meta)
    except OSError as exc:
        raise CLIError(f"cannot write into {out}: {exc.strerror or exc}") from None
    name = {u: p or u for u, p in stats.units.items()}
    for row in stats.rows():
        print(f"{name[row.unit]:>14}  {row.scale:4g}x  {row.difference:+.4f}")
    print(f"wrote {out}/attention.csv, attention.json and figures")
    return 0


def run_experiment(args: argparse.Namespace) -> int:
    spec = spec_from_args(argparse.Namespace(spec=args.spec))
    given_images = max(args.train_images or 0, args.test_images or 0)
    _check_data_memory(given_images, spec.input.image_size, args.max_memory)
    _require_plots()
    import dataclasses
    import json

    import torch

    from skbuilder.analysis.scale.experiment import ExperimentConfig, run_experiment
    from skbuilder.analysis.scale.report import summary_csv, tidy_csv, write_figures
    from skbuilder.analysis.scale.scenes import PhotographError, photographs

    given = {
        "seeds": args.seeds,
        "epochs": args.epochs,
        "train_images": args.train_images,
        "test_images": args.test_images,
        "scales": args.scales,
    }
    config = dataclasses.replace(
        ExperimentConfig(), **{k: v for k, v in given.items() if v is not None}
    )
    try:
        config.check(spec)
    except ValueError as exc:
        raise CLIError(f"{args.spec}: {exc}") from None
    images = max(config.train_images, config.test_images)
    _check_data_memory(images, spec.input.image_size, args.max_memory)
    try:
        photographs()
    except PhotographError as exc:
        raise CLIError(str(exc)) from None
    out = _output_folder(args.out)
    torch.set_num_threads(args.threads)
    jobs = min(args.jobs, len(config.seeds))
    total = len(config.seeds) * config.work_per_seed()
    desc = f"{len(config.seeds)} seeds, {jobs} at a time"
    with progress.bar(desc=desc, total=total, unit="img") as bar:
        result = run_experiment(
            spec, config, spec_file=args.spec, jobs=jobs, threads=args.threads,
            on_images=bar.update,
        )  # fmt: skip
    results = result.to_json()
    write_text_atomic(out / "results.json", json.dumps(results) + "\n")
    write_text_atomic(out / "attention.csv", tidy_csv(results))
    write_text_atomic(out / "summary.csv", summary_csv(results))
    write_figures(results, out)
    for seed in result.seeds:
        trained = seed.conditions["trained"].accuracy["crop-resize"]
        acc = ", ".join(f"{k}x {100 * v:.1f}%" for k, v in trained.items())
        print(f"seed {seed.seed}: trained test accuracy {acc}; {seed.cpu_seconds:.0f} s CPU")
    print(f"{result.wall_seconds:.0f} s wall clock, {result.cpu_seconds:.0f} s CPU in all")
    print(f"wrote {out}/results.json, attention.csv, summary.csv and figures")
    return 0


def _check_data_memory(images: int, size: int, limit: int | None) -> None:
    """Refuse an experiment whose generated images (a set of ``images`` at once, and its
    normalised copy) could pass ``--max-memory``: before torch is imported for the sizes given
    on the command line, again for the experiment's own defaults before any image is drawn."""
    need = 2 * images * 3 * size * size * 4
    if limit is not None and need > limit:
        raise CLIError(
            f"{images:,} images of {size}x{size} at once could need {human(need)}B, over the "
            f"limit of {human(limit)}B; pass fewer --train-images/--test-images or raise "
            "--max-memory"
        )


def run_report(args: argparse.Namespace) -> int:
    _report(Path(args.results), args.doc, args.figures, args.memory)
    return 0


def _report(results_dir: Path, doc: str | None, figures: str | None, memory: str | None) -> None:
    from skbuilder.analysis.scale_results import (
        ReportError,
        ReportFileError,
        load_results,
        read_json,
        read_text,
    )

    try:
        results = load_results(results_dir)
        memory_data = read_json(memory, "memory results") if memory else None
        if memory_data is not None and not isinstance(memory_data, dict):
            raise ReportError(f"{shown(memory, 200)}: not the memory results (not an object)")
        if doc:
            read_text(doc, "document")  # refused now, before any figure is drawn
        _require_plots()
        from skbuilder.analysis.scale.report import (
            MEMORY_BLOCK,
            RESULTS_BLOCK,
            check_document,
            markdown,
            memory_table,
            update_document,
            write_figures,
        )

        if doc:  # both blocks there, before any figure is drawn
            check_document(doc, RESULTS_BLOCK, *([MEMORY_BLOCK] if memory_data else []))
        folder = _output_folder(figures) if figures else results_dir
        paths = write_figures(results, folder)
        print(f"wrote {', '.join(str(p) for p in paths.values())}")
        if doc:
            link = os.path.relpath(folder, Path(doc).parent)
            update_document(doc, markdown(results, Path(link).as_posix()))
            if memory_data is not None:
                update_document(doc, "\n".join(memory_table(memory_data)), MEMORY_BLOCK)
            print(f"updated the generated blocks of {doc}")
    except ReportFileError as exc:
        raise FileProblem(str(exc)) from None
    except ReportError as exc:
        raise CLIError(str(exc)) from None
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        # the files were read and parsed; what fails now is their content
        raise CLIError(
            f"{shown(results_dir, 200)}/results.json: not the results this version writes "
            f"({type(exc).__name__}: {shown(str(exc), 200)})"
        ) from None
