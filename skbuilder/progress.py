"""Progress on stderr for work that can take more than a few seconds, drawn by tqdm.

Silent when stderr is not a terminal (pipes, logs, CI), so captured output stays clean;
``TQDM_DISABLE=1`` silences it on a terminal too. ``bar`` counts the items of a loop; ``steps``
names the steps of one job and keeps its clock ticking while a long step runs, so the line never
looks stuck.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # tqdm itself is imported when a bar is drawn: commands start without it
    from tqdm import tqdm

T = TypeVar("T")

#: Seconds between redraws of a step that is still running.
TICK = 1.0


def bar(
    iterable: Iterable[T] | None = None,
    *,
    desc: str,
    total: int | None = None,
    unit: str = "it",
) -> tqdm[T]:
    """A progress bar over ``iterable`` (or one updated by hand up to ``total``); it is removed
    when done, leaving the command's own output."""
    from tqdm import tqdm

    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        disable=None,  # None: only on a terminal
        leave=False,
        dynamic_ncols=True,
    )


class Steps:
    """The named steps of one job, shown as ``export: export ONNX (step 2 of 3) [00:12]``."""

    def __init__(self, progress: tqdm[None], desc: str, count: int) -> None:
        self._bar, self._desc, self._count, self._started = progress, desc, count, 0

    def __call__(self, name: str) -> None:
        """Start the next step, called ``name``."""
        if self._started:
            self._bar.update(1)
        self._started += 1
        step = f"{self._desc}: {name} (step {self._started} of {self._count})"
        self._bar.set_description_str(step, refresh=True)


@contextmanager
def steps(desc: str, names: Sequence[str]) -> Iterator[Steps]:
    """A bar over the steps ``names`` of one job; call the yielded object with each step's name
    as it starts. Steps may be skipped (e.g. an optional check)."""
    from tqdm import tqdm

    progress: tqdm[None] = tqdm(
        total=len(names),
        desc=desc,
        disable=None,
        leave=False,
        dynamic_ncols=True,
        bar_format="{desc} [{elapsed}]",
    )
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK):
            progress.refresh()

    ticker = threading.Thread(target=tick, name="skbuilder-progress", daemon=True)
    if not progress.disable:
        ticker.start()
    try:
        yield Steps(progress, desc, len(names))
    finally:
        stop.set()
        if ticker.is_alive():
            ticker.join()
        progress.close()
