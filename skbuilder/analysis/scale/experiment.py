"""The object-scale experiment: does an SK unit lean to its larger kernel as objects grow?

Per seed, one network is built and measured three times, each time on the same test scenes
(shapes on photographs, ``scenes``) enlarged to every object scale:

- ``untrained``: the initial weights, the baseline (what the architecture and the enlargement
  do with no learning at all);
- ``trained``: after training on scenes whose objects span a broad range of sizes;
- ``control``: the trained network after one more epoch in which its attention is trained to
  follow object size (``control``), the positive control: the effect is there by construction.

Each is analysed with the objects enlarged the paper's way (centre crop 1/s, resized back) and,
as a check on the blur that resizing brings, with the same scenes drawn with s times larger
shapes. The statistic and its test are in ``verdict``. Everything is seeded and run with
deterministic algorithms on one thread per process, so a rerun gives the same numbers; seeds
can run in parallel processes without changing them.
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import os
import platform
import queue
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from skbuilder.analysis.attention import sk_sites
from skbuilder.analysis.scale.analysis import PAPER_SCALES, analyze_scales
from skbuilder.analysis.scale.control import SizeTarget
from skbuilder.analysis.scale.provenance import spec_hash, weights_hash
from skbuilder.analysis.scale.scenes import make_scenes, photograph_hashes
from skbuilder.analysis.scale.shapes import Shapes
from skbuilder.analysis.scale.stats import ScaleAttentionStats
from skbuilder.analysis.scale.training import train_classifier
from skbuilder.analysis.scale.units import paper_unit_names
from skbuilder.analysis.scale_results import RESULTS_FORMAT
from skbuilder.nn.builder import build_model
from skbuilder.nn.threads import torch_threads
from skbuilder.plugins import loaded_plugins, safe_child_path
from skbuilder.provenance import commit
from skbuilder.spec import NetworkSpec

CROP_RESIZE = "crop-resize"  # the paper's enlargement
RENDERED = "rendered"  # the check: shapes drawn larger
METHODS = (CROP_RESIZE, RENDERED)
UNTRAINED, TRAINED, CONTROL = "untrained", "trained", "control"
#: Filled shapes: their outlined twins (ring, frame) are hard to tell apart at small sizes on
#: busy backgrounds, more than a few minutes of training can learn.
CLASSES = ("disk", "square", "triangle", "cross")
CONDITIONS = (UNTRAINED, TRAINED, CONTROL)
# ImageNet's statistics: the photographs are natural images
_MEAN = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
_STD = torch.tensor([0.229, 0.224, 0.225])[:, None, None]


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that decides the outcome of one run besides the spec."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    epochs: int = 3
    train_images: int = 3000  # per epoch, drawn anew each epoch
    test_images: int = 480
    batch_size: int = 32
    optimizer: str = "adamw"
    lr: float = 0.003  # the one-cycle schedule's peak
    object_size: float = 20.0  # side of the test objects at scale 1.0, in pixels
    train_sizes: tuple[float, float] = (12.0, 64.0)  # sides drawn log-uniformly in training
    scales: tuple[float, ...] = PAPER_SCALES
    classes: tuple[str, ...] = CLASSES
    control_epochs: int = 1
    control_amplitude: float = 0.2  # target difference at the largest side; minus at the smallest
    control_weight: float = 10.0

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.train_images / self.batch_size)

    def work_per_seed(self) -> int:
        """Images one seed processes (training, then each analysis pass): the progress unit."""
        drawn = [s for s in self.scales if s != 1.0]
        passes = len(CONDITIONS) * (len(self.scales) + len(drawn))
        training = (self.epochs + self.control_epochs) * self.train_images
        return training + passes * self.test_images

    def check(self, spec: NetworkSpec) -> None:
        """ValueError when the spec cannot run this experiment."""
        if spec.head.num_classes != len(self.classes):
            raise ValueError(
                f"{spec.name} has {spec.head.num_classes} classes; the shapes have "
                f"{len(self.classes)} ({', '.join(self.classes)}): set head.num_classes"
            )
        if spec.input.channels != 3:
            raise ValueError(f"{spec.name} takes {spec.input.channels} channels; scenes are RGB")
        size = spec.input.image_size
        largest = max(self.object_size * max(self.scales), self.train_sizes[1])
        if largest > size:
            raise ValueError(f"objects of {largest:g} px do not fit in {size}x{size} images")
        if not 1 <= self.train_sizes[0] <= self.train_sizes[1]:
            raise ValueError(f"training sizes must be a range of sides, got {self.train_sizes}")
        if not self.seeds or min(self.epochs, self.train_images, self.test_images) < 1:
            raise ValueError("need at least one seed, epoch, training and test image")
        if 1.0 not in self.scales:
            raise ValueError("the scales must include 1 (the objects as drawn)")


@dataclass(frozen=True)
class UnitGeometry:
    """One SK unit: its output map's side and each branch's receptive field on its input."""

    unit: str
    paper_unit: str | None
    map_side: int
    fields: tuple[int, ...]

    @property
    def in_statistic(self) -> bool:
        """The map is wider than the largest field: a dilated kernel sees more than a small one
        (on a map no wider than its field it sees mostly padding)."""
        return self.map_side > max(self.fields)


def unit_geometry(model: nn.Module, image_size: int) -> list[UnitGeometry]:
    """Every SK unit's map side at ``image_size``, from one forward of a blank image."""
    sites = sk_sites(model)
    names = paper_unit_names(model)
    sides: dict[str, int] = {}
    handles = [
        s.module.register_forward_hook(
            lambda m, i, out, name=s.name: sides.__setitem__(name, min(out.shape[-2:]))
        )
        for s in sites
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, 3, image_size, image_size))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return [UnitGeometry(s.name, names.get(s.name), sides[s.name], s.kernels) for s in sites]


@dataclass
class Measured:
    """One network (a seed in one condition) measured at every object scale."""

    accuracy: dict[str, dict[str, float]]  # method -> scale -> top-1 on the test set
    rows: list[dict[str, object]]  # tidy rows over all classes, with "method"
    network_change: dict[str, dict[str, float]]  # scale -> mean, std, images (paper's way)
    class_means: dict[str, dict[str, dict[str, float]]]  # class -> scale -> unit -> difference
    large_kernel: dict[str, dict[str, list[float]]] | None  # unit -> scale -> per channel


@dataclass
class SeedResult:
    """What one seed measured in each condition, with the hash of its initial weights."""

    seed: int
    initial_weights: str
    conditions: dict[str, Measured]
    losses: dict[str, tuple[float, float]]  # phase -> first step, mean of the last quarter epoch
    cpu_seconds: float
    wall_seconds: float


def _normalise(images: Tensor) -> Tensor:
    return (images - _MEAN) / _STD


def _batches(
    data: Shapes, batch_size: int, with_sizes: bool = False
) -> Iterator[tuple[Tensor, ...]]:
    images = _normalise(data.images)
    for start in range(0, len(data), batch_size):
        rows = slice(start, start + batch_size)
        yield (images[rows], data.labels[rows], *((data.sizes[rows],) if with_sizes else ()))


def _seed_streams(seed: int) -> tuple[int, int, int]:
    """Data seeds of the training epochs (base + epoch), the control's epochs and the test set."""
    base = 1_000_003 * (seed + 1)
    return base, base + 500_000, base - 1


def run_seed(
    spec: NetworkSpec,
    config: ExperimentConfig,
    seed: int,
    on_images: Callable[[int], None] | None = None,
) -> SeedResult:
    """Build with ``seed``, measure, train, measure, train the control, measure."""
    wall, cpu = time.perf_counter(), time.process_time()
    torch.manual_seed(seed)
    model = build_model(spec)
    initial = weights_hash(model)
    size = spec.input.image_size
    geometry = unit_geometry(model, size)
    chosen = [g.unit for g in geometry if g.in_statistic]
    train_seed, control_seed, test_seed = _seed_streams(seed)
    conditions = {UNTRAINED: measure(model, config, size, test_seed, chosen, on_images)}

    def epochs_from(base: int, with_sizes: bool) -> Callable[[int], Iterator[tuple[Tensor, ...]]]:
        def epoch_batches(epoch: int) -> Iterator[tuple[Tensor, ...]]:
            data = make_scenes(
                config.train_images,
                image_size=size,
                object_size=config.train_sizes,
                classes=config.classes,
                seed=base + epoch,
            )
            for batch in _batches(data, config.batch_size, with_sizes):
                yield batch
                if on_images is not None:
                    on_images(len(batch[1]))

        return epoch_batches

    torch.manual_seed(seed)  # the order of training's random draws does not hang on the above
    losses = {
        TRAINED: train_classifier(
            model,
            epochs_from(train_seed, False),
            epochs=config.epochs,
            steps_per_epoch=config.steps_per_epoch,
            lr=config.lr,
            optimizer=config.optimizer,
        )
    }
    conditions[TRAINED] = measure(model, config, size, test_seed, chosen, on_images, profiles=True)
    control = copy.deepcopy(model)
    with SizeTarget(control, chosen or [g.unit for g in geometry], config.train_sizes,
                    config.control_amplitude) as target:  # fmt: skip
        losses[CONTROL] = train_classifier(
            control,
            epochs_from(control_seed, True),
            epochs=config.control_epochs,
            steps_per_epoch=config.steps_per_epoch,
            lr=config.lr,
            optimizer=config.optimizer,
            extra_loss=lambda rest: config.control_weight * target.loss(rest[0]),
        )
    conditions[CONTROL] = measure(control, config, size, test_seed, chosen, on_images)
    quarter = max(1, config.steps_per_epoch // 4)
    return SeedResult(
        seed=seed,
        initial_weights=initial,
        conditions=conditions,
        losses={
            k: (round(v[0], 6), round(statistics.fmean(v[-quarter:]), 6)) for k, v in losses.items()
        },
        cpu_seconds=time.process_time() - cpu,
        wall_seconds=time.perf_counter() - wall,
    )


def measure(
    model: nn.Module,
    config: ExperimentConfig,
    size: int,
    test_seed: int,
    chosen: list[str],
    on_images: Callable[[int], None] | None = None,
    *,
    profiles: bool = False,
) -> Measured:
    """The test scenes at every scale, both ways of enlarging, through ``model``; with
    ``profiles``, also the attention on the larger kernel per channel (Fig. 3a/b)."""

    def test_set(side: float) -> Iterator[tuple[Tensor, ...]]:
        data = make_scenes(
            config.test_images,
            image_size=size,
            object_size=side,
            classes=config.classes,
            seed=test_seed,
        )
        return _batches(data, config.batch_size)

    enlarged = analyze_scales(
        model,
        test_set(config.object_size),  # type: ignore[arg-type]
        config.scales,
        class_names=config.classes,
        network_units=chosen or None,
        on_batch=on_images,
    )
    rows = _records(enlarged, CROP_RESIZE)
    accuracy = {CROP_RESIZE: {_key(s): enlarged.accuracy(s) or 0.0 for s in config.scales}}
    accuracy[RENDERED] = {}
    for scale in config.scales:
        drawn = enlarged
        if scale != 1.0:  # at 1.0 the same images: no second pass
            drawn = analyze_scales(
                model,
                test_set(config.object_size * scale),  # type: ignore[arg-type]
                (1.0,),
                class_names=config.classes,
                on_batch=on_images,
            )
        rows += _records(drawn, RENDERED, only=1.0, as_scale=scale)
        accuracy[RENDERED][_key(scale)] = drawn.accuracy(1.0) or 0.0
    change = {}
    for s in config.scales:
        moments = enlarged.network_change(s)
        change[_key(s)] = {
            "mean": round(moments.mean, 7),
            "std": round(moments.std, 7),
            "images": moments.count,
        }
    names = {u: p or u for u, p in enlarged.units.items()}
    class_means = {
        enlarged.label_name(c): {
            _key(s): {names[u]: round(enlarged.row(u, s, c).difference, 6) for u in enlarged.units}
            for s in config.scales
        }
        for c in enlarged.labels
    }
    large_kernel = (
        {
            names[u]: {
                _key(s): [
                    round(float(v), 4) for v in enlarged.channel_mean(u, s)[enlarged.widest(u)]
                ]
                for s in config.scales
            }
            for u in enlarged.units
        }
        if profiles
        else None
    )
    return Measured(accuracy, rows, change, class_means, large_kernel)


def _key(scale: float) -> str:
    return f"{scale:g}"


def _records(
    stats: ScaleAttentionStats,
    method: str,
    *,
    only: float | None = None,
    as_scale: float | None = None,
) -> list[dict[str, object]]:
    out = []
    for row in stats.rows():
        if only is not None and row.scale != only:
            continue
        record = {"method": method, **row.record()}
        del record["class"], record["images"]  # over all classes; the count is the config's
        if as_scale is not None:
            record["scale"] = as_scale
        out.append(record)
    return out


@dataclass
class ExperimentResult:
    """All seeds of one run, with what it was made from and how long it took."""

    config: ExperimentConfig
    spec: NetworkSpec
    spec_file: str
    geometry: list[UnitGeometry]
    seeds: list[SeedResult]
    jobs: int
    threads: int
    wall_seconds: float
    cpu_seconds: float  # of every process, the workers included
    commit: str = "unknown"  # checked out when the run started
    environment: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        seeds = []
        for s in self.seeds:
            entry = asdict(s)
            entry["cpu_seconds"] = round(s.cpu_seconds, 1)
            entry["wall_seconds"] = round(s.wall_seconds, 1)
            seeds.append(entry)
        return {
            "format": RESULTS_FORMAT,
            "provenance": {
                "commit": self.commit,
                "spec_file": self.spec_file,
                "spec_sha256": spec_hash(self.spec),
                "photographs_sha256": photograph_hashes(),
            },
            "config": asdict(self.config),
            "spec": self.spec.name,
            "units": [{**asdict(g), "in_statistic": g.in_statistic} for g in self.geometry],
            "jobs": self.jobs,
            "threads": self.threads,
            "wall_seconds": round(self.wall_seconds, 1),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "environment": self.environment,
            "seeds": seeds,
        }


def _worker_init(threads: int, plugins: tuple[str, ...]) -> None:
    """A worker's start: its threads, and the plugins its parent loaded (their kinds are
    named by the spec it receives)."""
    from skbuilder.blocks.registry import load_plugin

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    for plugin in plugins:
        load_plugin(plugin)


def _worker_seed(
    spec: NetworkSpec, config: ExperimentConfig, seed: int, progress: queue.Queue[int]
) -> SeedResult:
    return run_seed(spec, config, seed, progress.put)


def run_experiment(
    spec: NetworkSpec,
    config: ExperimentConfig,
    *,
    spec_file: str = "",
    jobs: int = 1,
    threads: int = 1,
    on_images: Callable[[int], None] | None = None,
) -> ExperimentResult:
    """Every seed of ``config``: in this process one after another (``jobs == 1``), or in
    ``jobs`` worker processes; each uses ``threads`` torch threads and deterministic
    algorithms. Seeds are independent, so the results do not depend on ``jobs``."""
    config.check(spec)
    made_from = commit()
    wall = time.perf_counter()
    cpu_before = _cpu_seconds()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        with torch_threads(threads):
            geometry = unit_geometry(build_model(spec), spec.input.image_size)
            if jobs <= 1:
                results = [run_seed(spec, config, seed, on_images) for seed in config.seeds]
            else:
                results = _run_in_workers(spec, config, jobs, threads, on_images)
    finally:
        torch.use_deterministic_algorithms(deterministic)
    return ExperimentResult(
        config=config,
        spec=spec,
        spec_file=spec_file,
        geometry=geometry,
        seeds=sorted(results, key=lambda r: config.seeds.index(r.seed)),
        jobs=jobs,
        threads=threads,
        wall_seconds=time.perf_counter() - wall,
        cpu_seconds=_cpu_seconds() - cpu_before,
        commit=made_from,
        environment={
            "torch": torch.__version__,
            "python": platform.python_version(),
            "cpus": str(os.cpu_count()),
            "machine": platform.machine(),
            # other work on the machine slows the wall clock, not the CPU time
            "load_average_1_5_15_min": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        },
    )


def _run_in_workers(
    spec: NetworkSpec,
    config: ExperimentConfig,
    jobs: int,
    threads: int,
    on_images: Callable[[int], None] | None,
) -> list[SeedResult]:
    """Seeds in ``jobs`` spawned processes; their progress comes back through a queue."""
    os.environ["OMP_NUM_THREADS"] = str(threads)  # inherited by the workers before torch loads
    context = multiprocessing.get_context("spawn")
    init = (threads, loaded_plugins())
    with (
        safe_child_path(),
        context.Manager() as manager,
        ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=init
        ) as pool,
    ):
        progress: queue.Queue[int] = manager.Queue()
        futures: list[Future[SeedResult]] = [
            pool.submit(_worker_seed, spec, config, seed, progress) for seed in config.seeds
        ]
        while not all(f.done() for f in futures):
            _drain(progress, on_images, timeout=0.2)
        _drain(progress, on_images, timeout=0)
        return [f.result() for f in futures]


def _drain(
    progress: queue.Queue[int], on_images: Callable[[int], None] | None, timeout: float
) -> None:
    try:
        n = progress.get(timeout=timeout) if timeout else progress.get_nowait()
        while True:
            if on_images is not None:
                on_images(n)
            n = progress.get_nowait()
    except queue.Empty:
        return


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the workers, once joined)."""
    usage = os.times()
    return usage.user + usage.system + usage.children_user + usage.children_system
