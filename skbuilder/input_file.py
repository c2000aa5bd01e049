"""Input files (specs, images, weights) are read only when they are regular files.

A named pipe would block the reader forever, ``/dev/zero`` never ends and a directory is not
data, so the kind of file is checked before it is opened, and again on the open descriptor
(opened non-blocking, so even a file swapped for a pipe in between cannot hang the reader).
Every failure is an ``InputFileError`` whose message says why in words.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(OSError):
    """A file to read is missing, not a regular file, or unreadable; the message says which."""


def file_kind(mode: int) -> str:
    """``a directory``, ``a named pipe (FIFO)``, ... for a non-regular ``st_mode``."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def reason(exc: OSError) -> str:
    """An OSError in words (``no such file or directory``), without the repeated file name."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _checked_stat(name: str) -> os.stat_result:
    if "\0" in name:
        raise InputFileError("the file name contains a NUL byte")
    try:
        return os.stat(name)
    except OSError as exc:
        raise InputFileError(reason(exc)) from None


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path when it names a regular file (following links); InputFileError
    otherwise. Nothing is opened."""
    name = os.fspath(path)
    mode = _checked_stat(name).st_mode
    if not stat.S_ISREG(mode):
        raise InputFileError(f"is {file_kind(mode)}, not a regular file")
    return Path(name)


def read_input_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_bytes + 1`` of them (so the
    caller can tell a file over its bound without reading all of it)."""
    name = os.fspath(check_input_file(path))
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        raise InputFileError(reason(exc)) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced after the check above
            raise InputFileError(f"is {file_kind(mode)}, not a regular file")
        try:
            return f.read(max_bytes + 1)
        except OSError as exc:
            raise InputFileError(reason(exc)) from None
