"""Composition: ``extends:`` a base spec file, and ``path=value`` overrides (``--set``).

The extending spec merges onto its base as ``skbuilder.spec.merge`` says: mappings key by key,
lists of named items (``stages``) item by item by ``name``, other lists and scalars whole.
An override's path steps into a list by index or by an item's name (``stages.conv4.depth``).
Every value keeps the file and line it came from, so errors point at the right file.
``extends`` paths are relative, may not leave the directory of the spec first loaded, and a
chain may not loop or grow past ``Limits.max_extends``. ``extends`` may also name a shipped spec
(``extends: sknet50``) when no file of that name exists; its own bases then live beside it.
Problems met while reading a file or applying an override are collected in
``Document.issues``, so they are reported with the rest.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skbuilder.input_file import InputFileError, check_input_file, read_input_file, reason
from skbuilder.spec.errors import SpecError, SpecFileError, SpecIssue, shown
from skbuilder.spec.limits import DEFAULT_LIMITS, Limits
from skbuilder.spec.merge import merge, without_directives
from skbuilder.spec.messages import close_match
from skbuilder.spec.model_files import is_model_folder
from skbuilder.spec.shipped import shipped_root, shipped_spec, shipped_specs
from skbuilder.spec.yaml_io import UNREADABLE, Document, Path_, parse_yaml, read_yaml

EXTENDS = "extends"


def read_document(path: Path, source: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read and parse one spec file, refusing it unread when it is over the size bound.
    SpecFileError when the file cannot be read at all (missing, a directory, a pipe, ...)."""
    try:
        raw = read_input_file(path, limits.max_bytes)
    except InputFileError as exc:
        hint = (
            "a saved model's folder: load it with skbuilder.load_model"
            if is_model_folder(path)
            else None
        )
        raise SpecFileError(
            [SpecIssue((), f"cannot read spec: {exc}", source, hint=hint)]
        ) from None
    if len(raw) > limits.max_bytes:
        try:
            size = f"{path.stat().st_size:,} bytes"
        except OSError:
            size = "more than that"
        raise SpecError(
            [SpecIssue((), f"the spec is {size}, over {limits.max_bytes:,}", source, 1, 1)]
        )
    return read_yaml(decode_utf8(raw, source), source, limits=limits)


def decode_utf8(raw: bytes, source: str) -> str:
    """``raw`` as UTF-8 text; SpecError at the line and column of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start
        line = raw.count(b"\n", 0, at) + 1
        column = len(raw[raw.rfind(b"\n", 0, at) + 1 : at].decode("utf-8")) + 1
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            message = "the spec is UTF-16 (it starts with a UTF-16 byte-order mark)"
        else:
            message = f"byte 0x{raw[at]:02x} is not UTF-8"
        hint = "save the file as UTF-8"
        raise SpecError([SpecIssue((), message, source, line, column, hint)]) from None


def resolve_extends(
    doc: Document,
    base_dir: Path,
    *,
    root: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    chain: tuple[Path, ...] = (),
) -> Document:
    """``doc`` merged over the spec it extends (recursively). ``root`` bounds where base specs
    may live (default ``base_dir``); ``chain`` holds the files already on the way (``doc``'s own
    file first), so a cycle is named instead of followed. A problem with ``extends`` is raised
    together with the problems ``doc`` already holds."""
    data = doc.data
    if not isinstance(data, dict) or EXTENDS not in data:
        return without_directives(doc)
    if data[EXTENDS] is UNREADABLE:
        raise SpecError(doc.issues)
    root = (root or base_dir).resolve()
    try:
        target, source = _extends_target(doc, base_dir, root, limits, chain)
        try:
            base = read_document(target, source, limits)
        except SpecFileError as exc:
            raise SpecError([_extends_issue(doc, exc.issues[0].message)]) from None
        base_root = root if target.is_relative_to(root) else shipped_root(target.parent)
        base = resolve_extends(
            base, target.parent, root=base_root, limits=limits, chain=(*chain, target)
        )
        if not isinstance(base.data, dict):
            issue = base.issue((), "a base spec must be a mapping of keys to values")
            raise SpecError([*base.issues, issue])
    except SpecError as exc:
        raise SpecError([*doc.issues, *exc.issues]) from None
    return merge(base, _without(doc, (EXTENDS,)))


def _extends_issue(doc: Document, message: str, hint: str | None = None) -> SpecIssue:
    return doc.issue((EXTENDS,), message, hint=hint)


def _extends_target(
    doc: Document, base_dir: Path, root: Path, limits: Limits, chain: tuple[Path, ...]
) -> tuple[Path, str]:
    value = doc.data[EXTENDS]
    if not isinstance(value, str) or not value:
        raise SpecError([_extends_issue(doc, "`extends` must be a relative path to a spec file")])
    written = f"`extends: {shown(value, 80)}`"
    if "\0" in value:
        raise SpecError([_extends_issue(doc, f"{written}: the path contains a NUL character")])
    if Path(value).is_absolute():
        raise SpecError([_extends_issue(doc, f"{written} must be a relative path")])
    try:
        target = (base_dir / value).resolve()
        shipped = None if target.exists() else shipped_spec(value)
    except RuntimeError:  # Python < 3.13 on a symlink loop (later ones leave it to the stat)
        message = f"{written}: too many levels of symbolic links"
        raise SpecError([_extends_issue(doc, message)]) from None
    except OSError as exc:
        raise SpecError([_extends_issue(doc, f"{written}: {reason(exc)}")]) from None
    if shipped is not None:
        target = shipped
    elif not target.is_relative_to(root):
        raise SpecError(
            [
                _extends_issue(
                    doc,
                    f"{written} leaves the spec's directory {root}",
                    hint="keep base specs in the same directory or below",
                )
            ]
        )
    if target in chain:
        names = " -> ".join(p.name for p in [*chain[chain.index(target) :], target])
        raise SpecError([_extends_issue(doc, f"`extends` makes a cycle: {names}")])
    if len(chain) >= limits.max_extends:
        raise SpecError([_extends_issue(doc, f"`extends` chain longer than {limits.max_extends}")])
    try:
        check_input_file(target)
    except InputFileError as exc:
        hint = close_match(value, shipped_specs()) if not target.exists() else None
        raise SpecError([_extends_issue(doc, f"{written}: {exc}", hint=hint)]) from None
    if shipped is not None:
        return target, str(target)
    source = os.path.normpath(os.path.join(os.path.dirname(doc.origin((EXTENDS,))), value))
    return target, source


# -- positions ------------------------------------------------------------------------------


def _under(path: Path_, prefixes: set[Path_]) -> bool:
    return any(path[:k] in prefixes for k in range(len(path) + 1))


def _tables(doc: Document) -> tuple[dict[Path_, Any], ...]:
    return doc.values, doc.keys, doc.scalars


def _without(doc: Document, path: Path_) -> Document:
    """``doc`` with the value at ``path`` (and its positions) removed."""
    data = dict(doc.data)
    data.pop(path[0], None)
    out = Document(data, doc.source, issues=list(doc.issues))
    _copy_positions(doc, out, keep=lambda p: not _under(p, {path}))
    return out


def _copy_positions(src: Document, dst: Document, keep: Any, prefix: Path_ = ()) -> None:
    for table_src, table_dst in zip(_tables(src), _tables(dst)):
        for path, value in table_src.items():
            if keep(path):
                moved = (*prefix, *path)
                table_dst[moved] = value
                dst.files[moved] = src.origin(path)


# -- overrides --------------------------------------------------------------------------------


def parse_override_path(text: str) -> Path_:
    """``stages.2.depth`` -> ``("stages", 2, "depth")`` (ASCII digits are list indices; a
    name such as ``conv4`` in ``stages.conv4.depth`` steps to the item of that name)."""
    return tuple(_index(p) for p in text.split("."))


def _index(part: str) -> str | int:
    return int(part) if part.isascii() and part.isdigit() and len(part) <= 9 else part


def apply_overrides(
    doc: Document, overrides: Iterable[str], *, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Each ``path=value`` (value in YAML) set into ``doc``, in order. An override that fails is
    left out and its problem added to ``doc.issues``, naming the override."""
    for text in overrides:
        try:
            doc = _apply_override(doc, text, limits)
        except SpecError as exc:
            doc = dataclasses.replace(doc, issues=[*doc.issues, *exc.issues])
    return doc


def _apply_override(doc: Document, text: str, limits: Limits) -> Document:
    source = f"--set {text}"
    name, eq, value_text = text.partition("=")
    if not eq or not name or any(not p for p in name.split(".")):
        raise SpecError([SpecIssue((), "expected PATH=VALUE, e.g. stages.2.depth=8", source, 1, 1)])
    path = parse_override_path(name)
    value = _parse_value(value_text, source, len(name) + 1, limits)
    container: Any = doc.data
    done: Path_ = ()
    created: list[Path_] = []
    for seg in path[:-1]:
        seg = _check_step(container, seg, (*done, seg), source)
        if isinstance(container, dict) and container.get(seg) is None:
            container[seg] = {}  # e.g. ``head.dropout=0.2`` when the spec has no ``head``
            created.append((*done, seg))
        container, done = container[seg], (*done, seg)
    last = _check_step(container, path[-1], (*done, path[-1]), source)
    path = (*done, last)
    container[last] = value.data
    out = Document(doc.data, doc.source, issues=list(doc.issues))
    replaced = {created[0] if created else path}
    _copy_positions(doc, out, keep=lambda p: not _under(p, replaced))
    _copy_positions(value, out, keep=lambda p: True, prefix=path)
    for made in [*created, path]:
        out.keys[made] = (1, 1)
        out.values.setdefault(made, (1, 1))
        out.files[made] = source
    return out


def _parse_value(text: str, source: str, offset: int, limits: Limits) -> Document:
    if not text.strip():
        value = Document(None, source)
        value.values[()] = (1, offset + 1)
        return value
    try:
        value = parse_yaml(text, source, limits=limits)
    except SpecError as exc:
        raise SpecError([_shift(i, offset) for i in exc.issues]) from None
    for table in (value.values, value.keys):
        for p, (line, col) in table.items():
            table[p] = (line, col + offset if line == 1 else col)
    return value


def _shift(issue: SpecIssue, offset: int) -> SpecIssue:
    if issue.line != 1 or issue.column is None:
        return issue
    return SpecIssue(issue.path, issue.message, issue.source, 1, issue.column + offset, issue.hint)


def _check_step(container: Any, seg: str | int, path: Path_, source: str) -> str | int:
    """``seg`` as the key or index it is in ``container``; SpecError when it cannot be one. In
    a list, a name steps to the item of that ``name``."""
    if isinstance(container, list):
        if isinstance(seg, str):
            return _named_item(container, seg, path, source)
        if seg >= len(container):
            raise SpecError([_out_of_range(path, container, source)])
        return seg
    if isinstance(container, dict):
        return str(seg)
    raise SpecError([_not_container(path[:-1], source)])


def _named_item(items: list[Any], name: str, path: Path_, source: str) -> int:
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    if name in names:
        return names.index(name)
    known = [n for n in names if isinstance(n, str)]
    if known:
        hint = close_match(name, known) or f"the names here: {', '.join(known)}"
    else:
        hint = f"its items have no names; give an index from 0 to {len(items) - 1}"
    message = f"no item named {shown(name, 40)!r} in a list of {len(items)}"
    raise SpecError([SpecIssue(path, message, source, 1, 1, hint)])


def _out_of_range(path: Path_, items: list[Any], source: str) -> SpecIssue:
    return SpecIssue(
        path,
        f"no item {path[-1]!s} in a list of {len(items)}",
        source,
        1,
        1,
        f"indices run from 0 to {len(items) - 1}" if items else None,
    )


def _not_container(path: Path_, source: str) -> SpecIssue:
    return SpecIssue(
        path, "is not a mapping or a list, so nothing can be set inside it", source, 1, 1
    )
