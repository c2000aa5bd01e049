"""Output files appear whole or not at all, and only where a regular file may be.

Every file skbuilder writes goes through ``atomic_path`` (``write_atomic`` for bytes or text).
The target is checked first: a directory, a device, a named pipe or a socket is refused without
being touched (renaming a file over ``/dev/null`` would replace the device node). The data go
to a temp file beside the target, are flushed to disk and renamed over it; a symbolic link is
followed, so the file it points to is replaced and the link kept. Any failure (a full disk, no
permission, a missing folder) removes the temp file and raises ``OutputFileError`` saying why.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skbuilder.input_file import file_kind, reason
from skbuilder.text import shown


class OutputFileError(OSError):
    """A file cannot be written where asked; the message names the file and says why."""


def _default_mode() -> int:
    """The mode ``open()`` would give a new file (mkstemp's own is 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _refuse(path: str, why: str) -> OutputFileError:
    return OutputFileError(f"cannot write {shown(path, 200)}: {why}")


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """The regular file that writing ``path`` would replace or create (links followed);
    OutputFileError when it is not a place for one. Nothing is created or changed."""
    name = os.fspath(path)
    if not name:
        raise _refuse(name, "the file name is empty")
    if "\0" in name:
        raise _refuse(name, "the file name contains a NUL byte")
    if name.endswith(("/", os.sep)):
        raise _refuse(name, "a name ending in / names a folder; give the name of a file")
    target = Path(os.path.realpath(name))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _refuse(name, reason(exc)) from None
    if mode is not None and not stat.S_ISREG(mode):
        raise _refuse(name, f"it is {file_kind(mode)}; give the name of a regular file")
    try:
        folder_is_dir = stat.S_ISDIR(os.stat(target.parent).st_mode)
    except OSError:
        folder_is_dir = False
    if not folder_is_dir:
        raise _refuse(name, f"the folder {shown(target.parent, 200)} does not exist")
    return target


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temp path beside ``path`` for the caller to write; it replaces ``path`` when the block
    succeeds and is removed when it raises. OSErrors become ``OutputFileError``."""
    name = os.fspath(path)
    target = check_output_path(name)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = _default_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _refuse(name, reason(exc)) from None
    try:
        yield Path(tmp)
        _flush_to_disk(tmp)
        os.chmod(tmp, mode)
        check_output_path(name)  # still a place for a regular file
        os.replace(tmp, target)
    except OutputFileError:
        raise
    except OSError as exc:
        raise _refuse(name, reason(exc)) from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _flush_to_disk(tmp: str) -> None:
    """fsync, so a full disk is reported now rather than lost after the rename."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; OutputFileError saying
    why on failure."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return Path(path)


def safe_file_name(text: str, fallback: str) -> str:
    """``text`` made into one file name for the current folder: runs of anything but ASCII
    letters, digits, ``.``, ``-`` and ``_`` become ``_``, no leading dot, at most 100
    characters (``../outside/x`` -> ``outside_x``); ``fallback`` when nothing is left."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).lstrip("._-")[:100]
    return name or fallback
