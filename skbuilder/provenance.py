"""The commit a result was made from, for the results files that documents are generated from.

A results file records it so that a reader (and a test) can tell which code produced it; work
with uncommitted changes to tracked files is marked ``+changes``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

UNKNOWN = "unknown"
CHANGED = "+changes"


def commit(folder: str | Path | None = None) -> str:
    """The checked-out commit (``git rev-parse HEAD``) of the repository holding ``folder``
    (default: this package's), with ``+changes`` when tracked files differ from it;
    ``unknown`` without git or outside a repository."""
    where = Path(folder) if folder is not None else Path(__file__).resolve().parent
    try:
        head = _git(where, "rev-parse", "HEAD")
        dirty = _git(where, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    return f"{head}{CHANGED}" if dirty else head


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=20, check=True
    )
    return done.stdout.strip()
