"""Running a hostile case: its folder, the command in-process, and what it cost.

CPU time is the process's own (``time.process_time``). Peak memory is the resident set's
high-water mark, reset before each command through ``/proc/self/clear_refs`` (Linux), so each
case measures its own peak. ``python -m tests.hostile_run REPORT.json NAME... -- COMMAND...``
(``all`` for every case) writes the status, traceback, changed files, CPU time and absolute
peak of each named case in a fresh interpreter (the figures a user's command would reach), then
runs COMMAND as ``python -m skbuilder`` would; ``python -m tests.hostile_run --summary
REPORT.json`` prints the counts per category.
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import io
import json
import os
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from tests.hostile_cases import CASES, Case

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str
    cpu_s: float
    peak_kb: int | None  # high-water mark of the resident set during the command
    start_kb: int | None  # resident set when the command started


def _memory_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Start a new high-water mark of the resident set; False where Linux does not allow it."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


class FullStream(io.StringIO):
    """Standard output on a full disk (``>/dev/full``): writes are buffered, flushing fails."""

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FailingStream(io.StringIO):
    """Standard output on a failing device: every write fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, os.strerror(errno.EIO))


def _stdout(kind: str) -> io.StringIO | None:
    return {"ok": io.StringIO, "full": FullStream, "eio": FailingStream}.get(kind, lambda: None)()


def run_main(
    argv: tuple[str, ...], *, stdout: str = "ok", root: Path | None = None, entries: tuple = ()
) -> Result:
    """``skbuilder argv`` in this process, with its status, output, CPU time and peak memory;
    plugins it loads are forgotten afterwards (``isolated``)."""
    from skbuilder.cli import main

    out, err = _stdout(stdout), io.StringIO()
    measured = reset_peak()
    start = _memory_kb("VmRSS")
    cpu = time.process_time()
    with isolated(root, entries), redirect_stdout(out), redirect_stderr(err):  # type: ignore[type-var]
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
    cpu = time.process_time() - cpu
    peak = _memory_kb("VmHWM") if measured else None
    text = out.getvalue() if isinstance(out, io.StringIO) else ""
    return Result(status, text, err.getvalue(), cpu, peak, start)


@contextmanager
def isolated(root: Path | None, entries: tuple[str, ...]) -> Iterator[None]:
    """The block registry, the plugin loader's memory, ``sys.path`` and the plugin modules as
    they were before; ``entries`` (folders under ``root``) first on ``sys.path`` meanwhile, as
    installed packages; no bytecode written into the case's folder."""
    from skbuilder import plugins
    from skbuilder.blocks import registry

    saved_registry = (
        dict(registry._KINDS),
        dict(registry._replaced),
        dict(registry._plugin_failures),
    )
    saved_flags = (registry._entry_points_loaded, list(plugins._loaded), list(plugins._problems))
    saved_groups, modules, path = plugins._groups, set(sys.modules), list(sys.path)
    bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    if entries and root is not None:
        sys.path[:0] = [str(root / entry) for entry in entries]
        registry._entry_points_loaded, plugins._groups = False, None
        importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.dont_write_bytecode = bytecode
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            file = str(getattr(sys.modules[name], "__file__", "") or "")
            if name.startswith(plugins.FILE_PLUGIN_PREFIX) or (root and file.startswith(str(root))):
                del sys.modules[name]
        registry._KINDS.clear()
        registry._KINDS.update(saved_registry[0])
        registry._replaced.clear()
        registry._replaced.update(saved_registry[1])
        registry._plugin_failures.clear()
        registry._plugin_failures.update(saved_registry[2])
        registry._entry_points_loaded = saved_flags[0]
        plugins._loaded[:] = saved_flags[1]
        plugins._problems[:] = saved_flags[2]
        plugins._groups = saved_groups
        importlib.invalidate_caches()


def prepare(case: Case, root: Path) -> None:
    """The files a case finds in its (empty) folder ``root``."""
    for name, content in case.files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.setup is not None:
        case.setup(root)


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root``: kind, size, mtime and a hash of regular files' bytes (pipes
    and devices are never opened), and where links point."""
    entries: dict[str, tuple[object, ...]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        kind = stat.S_IFMT(st.st_mode)
        entry: tuple[object, ...] = (kind, st.st_mode, st.st_size, st.st_mtime_ns)
        if stat.S_ISREG(st.st_mode):
            entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
        elif stat.S_ISLNK(st.st_mode):
            entry += (os.readlink(path),)
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            entry += (st.st_rdev,)
        entries[str(path.relative_to(root))] = entry
    return entries


def answered(case: Case, result: Result) -> bool:
    """Whether ``result`` is the answer ``case`` expects: its status, its place and its words."""
    lines = result.err.splitlines()
    where = case.where is None or any(line.startswith(case.where) for line in lines)
    return result.status == case.status and where and all(w in result.err for w in case.words)


class Hang(Exception):
    """A case ran past ``HANG_S`` seconds."""


#: Wall-clock seconds after which a case counts as hanging.
HANG_S = 60


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def measure(names: list[str]) -> dict[str, dict[str, object]]:
    """Run the named cases (``all``: every case) here, each in a fresh folder: expected and
    actual status, whether a traceback was printed, whether any file changed, CPU seconds and
    absolute peak resident set (kB) of each; a case past ``HANG_S`` seconds is a hang."""
    import pytest

    by_name = {case.name: case for case in CASES}
    report: dict[str, dict[str, object]] = {}
    cwd = os.getcwd()
    previous = signal.signal(signal.SIGALRM, _alarm)
    for name in list(by_name) if names == ["all"] else names:
        case = by_name[name]
        with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
            root = Path(folder)
            try:
                prepare(case, root)
            except pytest.skip.Exception:
                continue  # a device node this machine does not allow
            if case.patch is not None:
                case.patch(patch)
            before = snapshot(root)
            os.chdir(root)
            signal.alarm(HANG_S)
            try:
                result = run_main(
                    case.argv, stdout=case.stdout, root=root, entries=case.path_entries
                )
            except Hang:
                report[name] = {"category": case.category, "expected": case.status, "hang": True}
                continue
            finally:
                signal.alarm(0)
                os.chdir(cwd)
            changed = snapshot(root) != before
        report[name] = {
            "category": case.category,
            "expected": case.status,
            "status": result.status,
            "answered": answered(case, result),
            "traceback": "Traceback" in result.err + result.out,
            "changed": changed,
            "hang": False,
            "cpu_s": result.cpu_s,
            "peak_kb": result.peak_kb,
            "start_kb": result.start_kb,
        }
    signal.signal(signal.SIGALRM, previous)
    return report


def summary(report: dict[str, dict[str, object]]) -> str:
    """Per category: cases, wrong answers (status, place or words), tracebacks, exit-0 answers
    to bad input, hangs, changed files, the largest CPU time, absolute peak and growth of the
    resident set during one case."""
    rows: dict[str, list[dict[str, object]]] = {}
    for figures in report.values():
        rows.setdefault(str(figures["category"]), []).append(figures)
    lines = [
        "category        cases  wrong  tracebacks  exit-0  hangs  changed  max CPU s  "
        "max peak MB  max growth MB"
    ]
    for category, found in [*sorted(rows.items()), ("all", list(report.values()))]:
        ran = [f for f in found if not f["hang"]]
        count = (
            len(found),
            sum(not f.get("answered") for f in found),
            sum(bool(f.get("traceback")) for f in ran),
            sum(f.get("status") == 0 and f["expected"] != 0 for f in ran),
            sum(bool(f["hang"]) for f in found),
            sum(bool(f.get("changed")) for f in ran),
        )
        cpu = max((float(f["cpu_s"]) for f in ran), default=0.0)  # type: ignore[arg-type]
        peak = max((int(f["peak_kb"] or 0) for f in ran), default=0)  # type: ignore[call-overload]
        growth = max(
            (int(f["peak_kb"] or 0) - int(f.get("start_kb") or 0) for f in ran),  # type: ignore[call-overload]
            default=0,
        )
        lines.append(
            f"{category:<15} {count[0]:5}  {count[1]:5}  {count[2]:10}  {count[3]:6}  "
            f"{count[4]:5}  {count[5]:7}  {cpu:9.2f}  {peak / 1024:11.0f}  {growth / 1024:13.0f}"
        )
    return "\n".join(lines)


def _main(argv: list[str]) -> int:
    """``REPORT.json NAME... -- COMMAND...``: measure the named cases into REPORT.json, then run
    one more command as ``python -m skbuilder`` would, on this process's own stdout (a test
    hands it a closed pipe) and exit with its status."""
    import skbuilder.cli

    try:  # start-up: what ``attention`` imports before its first check
        import matplotlib.figure  # noqa: F401
        import PIL.Image  # noqa: F401
    except ImportError:
        pass
    if argv[:1] == ["--summary"]:  # python -m tests.hostile_run --summary REPORT.json
        print(summary(json.loads(Path(argv[1]).read_text())))
        return 0
    split = argv.index("--")
    report, names, command = argv[0], argv[1:split], argv[split + 1 :]
    Path(report).write_text(json.dumps(measure(names), indent=1))
    return skbuilder.cli.main(command)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
