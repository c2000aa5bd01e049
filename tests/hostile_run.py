"""Running a hostile case: its folder, the command in-process, and what it cost.

CPU time is the process's own (``time.process_time``). Peak memory is the resident set's
high-water mark, reset before each command through ``/proc/self/clear_refs`` (Linux), so each
case measures its own peak. ``python -m tests.hostile_run REPORT.json NAME... -- COMMAND...``
(``all`` for every case) writes the status, CPU time and absolute peak of each named case in a
fresh interpreter (the figures a user's command would reach), then runs COMMAND as
``python -m skbuilder`` would.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
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


def run_main(argv: tuple[str, ...]) -> Result:
    """``skbuilder argv`` in this process, with its status, output, CPU time and peak memory."""
    from skbuilder.cli import main

    out, err = io.StringIO(), io.StringIO()
    measured = reset_peak()
    start = _memory_kb("VmRSS")
    cpu = time.process_time()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
    cpu = time.process_time() - cpu
    peak = _memory_kb("VmHWM") if measured else None
    return Result(status, out.getvalue(), err.getvalue(), cpu, peak, start)


def prepare(case: Case, root: Path) -> None:
    """The files a case finds in its (empty) folder ``root``."""
    for name, content in case.files:
        path = root / name
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


def measure(names: list[str]) -> dict[str, dict[str, float | int | None]]:
    """Run the named cases (``all``: every case) here, each in a fresh folder; status, CPU
    seconds and absolute peak resident set (kB) of each."""
    import pytest

    by_name = {case.name: case for case in CASES}
    report: dict[str, dict[str, float | int | None]] = {}
    cwd = os.getcwd()
    for name in list(by_name) if names == ["all"] else names:
        case = by_name[name]
        with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
            root = Path(folder)
            prepare(case, root)
            if case.patch is not None:
                case.patch(patch)
            os.chdir(root)
            try:
                result = run_main(case.argv)
            finally:
                os.chdir(cwd)
        report[name] = {"status": result.status, "cpu_s": result.cpu_s, "peak_kb": result.peak_kb}
    return report


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
    split = argv.index("--")
    report, names, command = argv[0], argv[1:split], argv[split + 1 :]
    Path(report).write_text(json.dumps(measure(names), indent=1))
    return skbuilder.cli.main(command)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
