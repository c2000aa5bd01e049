"""The specs that ship with the package, found by name.

The repository keeps them in its top-level ``specs/`` folder and ``skbuilder/specs`` links to it,
so a wheel, an editable install and a source checkout all read them through
``importlib.resources``. A spec's name is its path below that folder without the suffix:
``sknet50``, or ``folder/name`` for one in a subfolder.

Wherever a spec file is accepted a name is too; a file that exists wins over a name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from skbuilder.spec.errors import SpecFileError, SpecIssue
from skbuilder.spec.messages import close_match

SUFFIXES = (".yaml", ".yml")
#: The JSON Schema of a spec file, shipped beside the specs so that their editor line
#: (``# yaml-language-server: $schema=spec.schema.json``) finds it in a checkout and an install.
SCHEMA_NAME = "spec.schema.json"


def shipped_dir() -> Path | None:
    """The folder of shipped specs, or None where the package is not on a file system."""
    root = files("skbuilder") / "specs"
    return root.resolve() if isinstance(root, Path) and root.is_dir() else None


def shipped_schema_text() -> str:
    """The spec JSON Schema as the package ships it (``make docs`` generates it)."""
    return (files("skbuilder") / "specs" / SCHEMA_NAME).read_text(encoding="utf-8")


def shipped_root(folder: Path) -> Path | None:
    """The folder of shipped specs when ``folder`` lies inside it: the bound ``extends:`` paths
    of a shipped spec stay within (None for any other folder)."""
    root = shipped_dir()
    return root if root is not None and folder.resolve().is_relative_to(root) else None


def shipped_specs() -> dict[str, Path]:
    """Every shipped spec by name, sorted by name."""
    root = shipped_dir()
    if root is None:
        return {}
    found = {
        path.relative_to(root).with_suffix("").as_posix(): path
        for path in root.rglob("*")
        if path.suffix in SUFFIXES and path.is_file() and not path.name.startswith(".")
    }
    return dict(sorted(found.items()))


def spec_name(text: str) -> str:
    """``text`` as a shipped spec's name: forward slashes, no ``.yaml``/``.yml`` suffix."""
    name = text.replace(os.sep, "/")
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def shipped_spec(text: str) -> Path | None:
    """The shipped spec named ``text`` (with or without its suffix), if there is one."""
    return shipped_specs().get(spec_name(text))


def resolve_spec(ref: str | os.PathLike[str]) -> Path:
    """The file ``ref`` means: a file that exists as given, else the shipped spec of that name.

    A reference that reads as a path (a separator or a YAML suffix) and names neither is left for
    the reader to report, with a hint when its file name is a shipped spec's; any other unknown
    name is a SpecError that suggests the closest shipped names.
    """
    text = os.fspath(ref)
    path = Path(text)
    if _quietly(path.is_file):
        return path
    named = shipped_spec(text)
    if named is not None:
        return named
    names = list(shipped_specs())
    exists = _quietly(path.exists)
    looks_like_path = os.sep in text or "/" in text or path.suffix in SUFFIXES or exists
    if looks_like_path:
        if not exists and spec_name(path.name) in names:
            message = "cannot read spec: no such file"
            hint = f"the shipped spec `{spec_name(path.name)}` is read by its name alone"
            raise SpecFileError([SpecIssue((), message, text, hint=hint)])
        return path  # the reader says what is wrong with it
    hint = close_match(text, names) or "`skbuilder list` shows the shipped specs"
    message = f"no such file, and no shipped spec is named {text!r}"
    raise SpecFileError([SpecIssue((), message, text, hint=hint)])


def _quietly(test: Callable[[], bool]) -> bool:
    """A file test that answers False for a path the system cannot even look up (too long,
    a NUL byte): the reader reports those."""
    try:
        return test()
    except (OSError, ValueError):
        return False
