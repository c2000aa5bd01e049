"""Third-party code runs here, and only here, in one guarded step.

Plugins named with ``--plugin`` (a module name or a path to a ``.py`` file), the installed
``skbuilder.blocks`` entry points and pydantic's own plugin scan are all loaded through
``guarded``: whatever the code does while it loads (raise any exception, call ``sys.exit``,
raise ``KeyboardInterrupt``) ends as a ``PluginError`` that names it, so its exit status never
becomes the program's; what it prints goes to stderr, never into output that another program
reads (``--format json``, ``schema``). An installed package whose metadata cannot be read is
skipped with a warning (``problems()``) instead of breaking every command.

A file plugin is read through the bounded reader and run as a module named after its path;
no folder is added to ``sys.path``, and the current folder is never searched unless named.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, TypeVar

from skbuilder.input_file import InputFileError, read_input_file
from skbuilder.text import shown

T = TypeVar("T")

#: Largest plugin file read (a plugin is source code, not data).
MAX_PLUGIN_BYTES = 1 << 20
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", re.ASCII)
#: The package under which file plugins are registered in ``sys.modules``.
FILE_PLUGIN_PREFIX = "skbuilder_plugin_"

_loaded: list[str] = []
_files: dict[str, str] = {}  # module name of a file plugin -> its absolute path
_problems: list[str] = []
_groups: dict[str, list[importlib.metadata.EntryPoint]] | None = None


class PluginError(ImportError):
    """Third-party code could not be loaded; the message names it and says why."""


class PluginFileError(PluginError):
    """A plugin file cannot be read at all (missing, a directory, a pipe, a device...)."""


class KindError(ValueError):
    """A block kind from outside skbuilder failed or answered wrongly; the message names it
    (see ``skbuilder.blocks.guarded``)."""


def failure(exc: BaseException) -> str:
    """What went wrong, in one line: ``it called sys.exit(0)``, ``ValueError: ...``."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({shown(repr(exc.code), 40)})"
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {shown(first, 300)}" if first else type(exc).__name__


def guarded(what: str, action: Callable[[], T]) -> T:
    """``action()``, with its prints sent to stderr and any ``BaseException`` it raises turned
    into ``PluginError("WHAT: why")``."""
    with redirect_stdout(sys.stderr if sys.stderr is not None else io.StringIO()):
        try:
            return action()
        except BaseException as exc:  # third-party code may raise SystemExit or worse
            raise PluginError(f"{what}: {failure(exc)}") from None


def loaded_plugins() -> tuple[str, ...]:
    """The ``--plugin`` sources loaded so far, in order (what a child process loads again)."""
    return tuple(_loaded)


def problems() -> list[str]:
    """Installed packages (or pydantic plugins) skipped because they could not be read."""
    return list(_problems)


def take_problems() -> list[str]:
    """``problems()``, each reported once."""
    found = list(_problems)
    _problems.clear()
    return found


def _is_file(source: str) -> bool:
    return source.endswith(".py") or "/" in source or os.sep in source


def load_plugin(source: str) -> None:
    """Load ``source``: a module name (imported as usual, from ``sys.path``) or the path of a
    ``.py`` file (run as its own module); once per source."""
    if source in _loaded:
        return
    if _is_file(source):
        _load_file(source)
    elif len(source) <= 200 and _MODULE_NAME.fullmatch(source):
        try:
            guarded(f"cannot load plugin {source!r}", lambda: importlib.import_module(source))
        except PluginError as exc:
            local = source.replace(".", "/") + ".py"
            if os.path.isfile(local):  # the current folder is not searched for modules
                raise PluginError(
                    f"{exc}; to load {local} give its path: --plugin ./{local}"
                ) from None
            raise
    else:
        raise PluginError(
            f"cannot load plugin {shown(source, 80)}: give a module name (my_blocks, "
            "package.blocks) or the path of a .py file (./my_blocks.py)"
        )
    _loaded.append(source)


def module_name(path: str | os.PathLike[str]) -> str:
    """The ``sys.modules`` name of the file plugin at ``path``: its stem and a digest of its
    absolute path, so no plugin can replace an installed module (a ``yaml.py``)."""
    absolute = os.path.abspath(path)
    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(absolute).stem)[:40]
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{FILE_PLUGIN_PREFIX}{stem}_{digest}"


def _load_file(source: str) -> None:
    what = f"cannot load plugin {shown(source, 200)}"
    if not source.endswith(".py"):
        raise PluginError(f"{what}: a plugin file's name ends in .py")
    try:
        data = read_input_file(source, MAX_PLUGIN_BYTES)
    except InputFileError as exc:
        raise PluginFileError(f"{what}: {exc}") from None
    if len(data) > MAX_PLUGIN_BYTES:
        raise PluginError(f"{what}: over {MAX_PLUGIN_BYTES:,} bytes; a plugin is source code")
    name = module_name(source)
    spec = importlib.util.spec_from_loader(name, loader=None, origin=os.path.abspath(source))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = os.path.abspath(source)
    sys.modules[name] = module  # dataclasses and pickling look their module up there

    def run() -> None:
        code = compile(data, source, "exec", dont_inherit=True)
        exec(code, module.__dict__)  # the user named this file: it is the plugin

    try:
        guarded(what, run)
    except PluginError:
        sys.modules.pop(name, None)
        raise
    _files[name] = os.path.abspath(source)


def plugin_source(module: str) -> str:
    """What ``--plugin`` takes to load ``module`` again: the path of a file plugin's file, or
    the module name itself."""
    return _files.get(module, module)


# -- installed entry points --------------------------------------------------------------------


def report(message: str) -> None:
    """Keep ``message`` for ``problems()`` (the command line prints each once)."""
    if message not in _problems:
        _problems.append(message)


_warn = report


def _where(dist: importlib.metadata.Distribution) -> str:
    path = getattr(dist, "_path", None)
    return shown(str(path), 200) if path is not None else "an installed package"


def _scan() -> dict[str, list[importlib.metadata.EntryPoint]]:
    """Every installed entry point by group, read once; a package whose metadata cannot be
    read is skipped with a warning (as ``importlib.metadata.entry_points`` would not)."""
    global _groups
    if _groups is not None:
        return _groups
    groups: dict[str, list[importlib.metadata.EntryPoint]] = {}
    seen: set[str] = set()
    try:
        dists = list(importlib.metadata.distributions())
    except Exception as exc:  # an unreadable folder on sys.path
        _warn(f"cannot list the installed packages: {failure(exc)}")
        dists = []
    for dist in dists:
        try:
            name = re.sub(r"[-_.]+", "-", str(dist.metadata["Name"] or "")).lower()
            if name in seen:  # the first on sys.path wins, as importlib.metadata does
                continue
            entries = list(dist.entry_points)
        except Exception as exc:
            _warn(f"ignoring the installed package at {_where(dist)}: {failure(exc)}")
            continue
        seen.add(name)
        for entry in entries:
            groups.setdefault(entry.group, []).append(entry)
    _groups = groups
    return groups


def entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
    """The installed entry points of ``group``, unreadable packages skipped."""
    return list(_scan().get(group, ()))


def load_entry_point(entry: importlib.metadata.EntryPoint) -> Any:
    """What ``entry`` names, loaded through ``guarded``."""
    what = f"entry point {shown(repr(entry.name), 80)} ({shown(entry.value, 120)})"
    return guarded(what, entry.load)


def prime_pydantic() -> None:
    """Run pydantic's plugin scan here, guarded, before pydantic runs it on the first model:
    a broken installed package or a failing pydantic plugin is then a warning, not a crash."""
    try:
        from pydantic.plugin import _loader
    except ImportError:
        return
    if getattr(_loader, "_plugins", None) is not None:
        return
    disabled = os.getenv("PYDANTIC_DISABLE_PLUGINS")
    if disabled in ("__all__", "1", "true"):
        return
    if not hasattr(_loader, "_loading_plugins"):  # another pydantic: let it scan, guarded
        try:
            guarded("pydantic's plugin scan", lambda: list(_loader.get_plugins()))
        except PluginError as exc:
            _warn(f"{exc}; pydantic plugins are off")
        return
    off = set(disabled.split(",")) if disabled else set()
    plugins: dict[str, Any] = {}
    _loader._loading_plugins = True
    try:
        for entry in entry_points(_loader.PYDANTIC_ENTRY_POINT_GROUP):
            if entry.value in plugins or entry.name in off:
                continue
            try:
                plugins[entry.value] = load_entry_point(entry)
            except PluginError as exc:
                _warn(f"pydantic plugin skipped: {exc}")
    finally:
        _loader._loading_plugins = False
    _loader._plugins = plugins


# -- child processes ---------------------------------------------------------------------------


@contextmanager
def safe_child_path() -> Iterator[None]:
    """Python processes started meanwhile (multiprocessing's spawned workers run ``python -c``)
    do not put the current folder first on their import path (``PYTHONSAFEPATH``, Python 3.11
    and later), so a ``multiprocessing.py`` lying there does not run in them."""
    old = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = old
