"""The synthetic object-scale experiment: train a tiny SKNet on shapes, then measure how its SK
attention moves when the objects are enlarged, for several seeds.

Per seed: train on shapes whose side varies over ``object_size x [1, max scale]`` (new images
every epoch), then analyse a test set of shapes of side ``object_size`` at each object scale,
(a) enlarged the paper's way (centre crop 1/s, resized back) and (b) drawn at s times the side
(the same scenes, no resampling) as a control for the blur and noise that resizing brings.
Seeds can run in parallel processes of one thread each.
"""

from __future__ import annotations

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

import torch
from torch import Tensor

from skbuilder.analysis.scale.analysis import PAPER_SCALES, analyze_scales
from skbuilder.analysis.scale.shapes import SHAPES, Shapes, make_shapes
from skbuilder.analysis.scale.stats import ScaleAttentionStats
from skbuilder.analysis.scale.training import train_classifier
from skbuilder.nn.builder import build_model
from skbuilder.nn.threads import torch_threads
from skbuilder.plugins import loaded_plugins, safe_child_path
from skbuilder.spec import NetworkSpec

CROP_RESIZE = "crop-resize"  # the paper's enlargement
RENDERED = "rendered"  # the control: shapes drawn larger
METHODS = (CROP_RESIZE, RENDERED)
_PIXEL_MEAN, _PIXEL_STD = 0.5, 0.25  # the shapes' pixels are spread about 0.5


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that decides the outcome of one run (seeds aside, it is the same per seed)."""

    seeds: tuple[int, ...] = (0, 1, 2, 3)
    epochs: int = 4
    train_images: int = 4000  # per epoch, drawn anew each epoch
    test_images: int = 1200
    batch_size: int = 64
    lr: float = 0.2
    object_size: float = 16.0  # side of the test objects at scale 1.0, in pixels
    scales: tuple[float, ...] = PAPER_SCALES
    classes: tuple[str, ...] = SHAPES

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.train_images / self.batch_size)

    @property
    def train_object_sizes(self) -> tuple[float, float]:
        return self.object_size, self.object_size * max(self.scales)

    def work_per_seed(self) -> int:
        """Images one seed processes (training, then each analysis pass): the progress unit."""
        drawn = [s for s in self.scales if s != 1.0]  # at 1.0 the enlarged pass serves both
        passes = len(self.scales) + len(drawn)
        return self.epochs * self.train_images + passes * self.test_images

    def check(self, spec: NetworkSpec) -> None:
        """ValueError when the spec cannot run this experiment."""
        if spec.head.num_classes != len(self.classes):
            raise ValueError(
                f"{spec.name} has {spec.head.num_classes} classes; the shapes have "
                f"{len(self.classes)} ({', '.join(self.classes)}): set head.num_classes"
            )
        if spec.input.channels != 3:
            raise ValueError(f"{spec.name} takes {spec.input.channels} channels; shapes are RGB")
        size = spec.input.image_size
        if self.object_size * max(self.scales) > size:
            raise ValueError(
                f"objects of {self.object_size:g} px at scale {max(self.scales):g} do not fit in "
                f"{size}x{size} images"
            )
        if not self.seeds or min(self.epochs, self.train_images, self.test_images) < 1:
            raise ValueError("need at least one seed, epoch, training and test image")


@dataclass
class SeedResult:
    """What one seed measured: accuracy and attention rows per method, channel profiles."""

    seed: int
    accuracy: dict[str, dict[str, float]]  # method -> scale -> top-1 accuracy on the test set
    rows: list[dict[str, object]]  # tidy rows with "method"; every class and "all"
    large_kernel: dict[str, dict[str, list[float]]]  # unit -> scale -> attention per channel
    first_loss: float
    last_loss: float
    cpu_seconds: float
    wall_seconds: float


def _normalise(images: Tensor) -> Tensor:
    return (images - _PIXEL_MEAN) / _PIXEL_STD


def _batches(data: Shapes, batch_size: int) -> Iterator[tuple[Tensor, Tensor]]:
    images = _normalise(data.images)
    for start in range(0, len(data), batch_size):
        yield images[start : start + batch_size], data.labels[start : start + batch_size]


def _seed_streams(seed: int) -> tuple[int, int]:
    """Data seeds of the training epochs (base + epoch) and of the test set, apart per seed."""
    return 1_000_003 * (seed + 1), 1_000_003 * (seed + 1) - 1


def run_seed(
    spec: NetworkSpec,
    config: ExperimentConfig,
    seed: int,
    on_images: Callable[[int], None] | None = None,
) -> SeedResult:
    """Train from scratch with ``seed`` and analyse; ``on_images(n)`` reports progress."""
    wall, cpu = time.perf_counter(), time.process_time()
    torch.manual_seed(seed)
    model = build_model(spec)
    size = spec.input.image_size
    train_seed, test_seed = _seed_streams(seed)

    def epoch_batches(epoch: int) -> Iterator[tuple[Tensor, Tensor]]:
        data = make_shapes(
            config.train_images,
            image_size=size,
            object_size=config.train_object_sizes,
            classes=config.classes,
            seed=train_seed + epoch,
        )
        for images, labels in _batches(data, config.batch_size):
            yield images, labels
            if on_images is not None:
                on_images(len(labels))

    losses = train_classifier(
        model,
        epoch_batches,
        epochs=config.epochs,
        steps_per_epoch=config.steps_per_epoch,
        lr=config.lr,
    )

    def test_set(side: float) -> Shapes:
        return make_shapes(
            config.test_images,
            image_size=size,
            object_size=side,
            classes=config.classes,
            seed=test_seed,
        )

    enlarged = analyze_scales(
        model,
        _batches(test_set(config.object_size), config.batch_size),
        config.scales,
        class_names=config.classes,
        on_batch=on_images,
    )
    rows = _records(enlarged, CROP_RESIZE)
    accuracy = {CROP_RESIZE: {_key(s): enlarged.accuracy(s) or 0.0 for s in config.scales}}
    accuracy[RENDERED] = {}
    for scale in config.scales:
        if scale == 1.0:
            drawn = enlarged  # the same images: no second pass
        else:
            drawn = analyze_scales(
                model,
                _batches(test_set(config.object_size * scale), config.batch_size),
                (1.0,),
                class_names=config.classes,
                on_batch=on_images,
            )
        rows += _records(drawn, RENDERED, only=1.0, as_scale=scale)
        accuracy[RENDERED][_key(scale)] = drawn.accuracy(1.0) or 0.0
    large_kernel = {
        enlarged.units[unit] or unit: {
            _key(s): [round(float(v), 6) for v in enlarged.channel_mean(unit, s)[-1]]
            for s in config.scales
        }
        for unit in enlarged.units
    }
    tail = losses[-max(1, config.steps_per_epoch // 4) :]  # the last quarter epoch
    return SeedResult(
        seed=seed,
        accuracy=accuracy,
        rows=rows,
        large_kernel=large_kernel,
        first_loss=losses[0],
        last_loss=statistics.fmean(tail),
        cpu_seconds=time.process_time() - cpu,
        wall_seconds=time.perf_counter() - wall,
    )


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
    for row in stats.rows(per_class=True):
        if only is not None and row.scale != only:
            continue
        record = {"method": method, **row.record()}
        if as_scale is not None:
            record["scale"] = as_scale
        out.append(record)
    return out


@dataclass
class ExperimentResult:
    """All seeds of one run, with the run's conditions and duration."""

    config: ExperimentConfig
    spec_name: str
    seeds: list[SeedResult]
    jobs: int
    threads: int
    wall_seconds: float
    cpu_seconds: float  # of every process, the workers included
    environment: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "config": asdict(self.config),
            "spec": self.spec_name,
            "jobs": self.jobs,
            "threads": self.threads,
            "wall_seconds": round(self.wall_seconds, 1),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "environment": self.environment,
            "seeds": [asdict(s) for s in self.seeds],
        }


def _worker_init(threads: int, plugins: tuple[str, ...]) -> None:
    """A worker's start: its threads, and the plugins its parent loaded (their kinds are
    named by the spec it receives)."""
    from skbuilder.blocks.registry import load_plugin

    torch.set_num_threads(threads)
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
    jobs: int = 1,
    threads: int = 1,
    on_images: Callable[[int], None] | None = None,
) -> ExperimentResult:
    """Every seed of ``config``: in this process one after another (``jobs == 1``), or in
    ``jobs`` worker processes; each uses ``threads`` torch threads. Seeds are independent, so
    the results do not depend on ``jobs``."""
    config.check(spec)
    wall = time.perf_counter()
    cpu_before = _cpu_seconds()
    with torch_threads(threads):
        if jobs <= 1:
            results = [run_seed(spec, config, seed, on_images) for seed in config.seeds]
        else:
            results = _run_in_workers(spec, config, jobs, threads, on_images)
    return ExperimentResult(
        config=config,
        spec_name=spec.name,
        seeds=sorted(results, key=lambda r: config.seeds.index(r.seed)),
        jobs=jobs,
        threads=threads,
        wall_seconds=time.perf_counter() - wall,
        cpu_seconds=_cpu_seconds() - cpu_before,
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
    """CPU time of this process and of its finished children."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
