"""Composition: ``extends:`` a base spec file, and ``path=value`` overrides (``--set``).

Mappings merge key by key (the extending file wins); lists and scalars are replaced whole.
Every value keeps the file and line it came from, so errors point at the right file.
``extends`` paths are relative, may not leave the directory of the spec first loaded, and a
chain may not loop or grow past ``Limits.max_extends``. ``extends`` may also name a shipped spec
(``extends: sknet50``) when no file of that name exists; its own bases then live beside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skbuilder.spec.errors import SpecError, SpecIssue
from skbuilder.spec.limits import DEFAULT_LIMITS, Limits
from skbuilder.spec.messages import close_match
from skbuilder.spec.shipped import shipped_root, shipped_spec, shipped_specs
from skbuilder.spec.yaml_io import Document, Path_, parse_yaml

EXTENDS = "extends"


def read_document(path: Path, source: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one spec file, refusing it unread when it is over the size bound."""
    try:
        with path.open("rb") as f:
            raw = f.read(limits.max_bytes + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecError([SpecIssue((), f"cannot read spec: {reason}", source)]) from None
    if len(raw) > limits.max_bytes:
        size = path.stat().st_size
        raise SpecError(
            [SpecIssue((), f"the spec is {size:,} bytes, over {limits.max_bytes:,}", source, 1, 1)]
        )
    return parse_yaml(text, source, limits=limits)


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
    file first), so a cycle is named instead of followed."""
    data = doc.data
    if not isinstance(data, dict) or EXTENDS not in data:
        return doc
    root = (root or base_dir).resolve()
    target, source = _extends_target(doc, base_dir, root, limits, chain)
    base = read_document(target, source, limits)
    base_root = root if target.is_relative_to(root) else shipped_root(target.parent)
    base = resolve_extends(
        base, target.parent, root=base_root, limits=limits, chain=(*chain, target)
    )
    if not isinstance(base.data, dict):
        raise SpecError([base.issue((), "a base spec must be a mapping of keys to values")])
    return merge(base, _without(doc, (EXTENDS,)))


def _extends_target(
    doc: Document, base_dir: Path, root: Path, limits: Limits, chain: tuple[Path, ...]
) -> tuple[Path, str]:
    value = doc.data[EXTENDS]
    here = (EXTENDS,)
    if not isinstance(value, str) or not value:
        raise SpecError([doc.issue(here, "`extends` must be a relative path to a spec file")])
    if Path(value).is_absolute():
        raise SpecError([doc.issue(here, f"`extends: {value}` must be a relative path")])
    target = (base_dir / value).resolve()
    shipped = None if target.exists() else shipped_spec(value)
    if shipped is not None:
        target = shipped
    elif not target.is_relative_to(root):
        raise SpecError(
            [
                doc.issue(
                    here,
                    f"`extends: {value}` leaves the spec's directory {root}",
                    hint="keep base specs in the same directory or below",
                )
            ]
        )
    if target in chain:
        names = " -> ".join(p.name for p in [*chain[chain.index(target) :], target])
        raise SpecError([doc.issue(here, f"`extends` makes a cycle: {names}")])
    if len(chain) >= limits.max_extends:
        raise SpecError([doc.issue(here, f"`extends` chain longer than {limits.max_extends}")])
    if not target.is_file():
        hint = close_match(value, shipped_specs())
        raise SpecError([doc.issue(here, f"`extends: {value}`: no such spec file", hint=hint)])
    if shipped is not None:
        return target, str(target)
    source = os.path.normpath(os.path.join(os.path.dirname(doc.origin(here)), value))
    return target, source


# -- merging documents ----------------------------------------------------------------------


def _under(path: Path_, prefixes: set[Path_]) -> bool:
    return any(path[:k] in prefixes for k in range(len(path) + 1))


def _tables(doc: Document) -> tuple[dict[Path_, Any], ...]:
    return doc.values, doc.keys, doc.scalars


def _without(doc: Document, path: Path_) -> Document:
    """``doc`` with the value at ``path`` (and its positions) removed."""
    data = dict(doc.data)
    data.pop(path[0], None)
    out = Document(data, doc.source)
    _copy_positions(doc, out, keep=lambda p: not _under(p, {path}))
    return out


def _copy_positions(src: Document, dst: Document, keep: Any, prefix: Path_ = ()) -> None:
    for table_src, table_dst in zip(_tables(src), _tables(dst)):
        for path, value in table_src.items():
            if keep(path):
                table_dst[(*prefix, *path)] = value
                dst.files[(*prefix, *path)] = src.origin(path)


def merge(base: Document, over: Document) -> Document:
    """``over`` merged onto ``base``: mappings key by key, everything else replaced."""
    replaced: set[Path_] = set()

    def walk(a: Any, b: Any, path: Path_) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                out[key] = walk(a[key], value, (*path, key)) if key in a else value
            return out
        replaced.add(path)
        return b

    out = Document(walk(base.data, over.data, ()), over.source)
    _copy_positions(base, out, keep=lambda p: not _under(p, replaced))
    _copy_positions(over, out, keep=lambda p: True)
    return out


# -- overrides --------------------------------------------------------------------------------


def parse_override_path(text: str) -> Path_:
    """``stages.2.depth`` -> ``("stages", 2, "depth")``."""
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def apply_overrides(
    doc: Document, overrides: Iterable[str], *, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Each ``path=value`` (value in YAML) set into ``doc``, in order; errors name the override."""
    for text in overrides:
        doc = _apply_override(doc, text, limits)
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
    out = Document(doc.data, doc.source)
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
    """``seg`` as the key or index it is in ``container``; SpecError when it cannot be one."""
    if isinstance(container, list):
        if not (isinstance(seg, int) and seg < len(container)):
            raise SpecError([_out_of_range(path, container, source)])
        return seg
    if isinstance(container, dict):
        return str(seg)
    raise SpecError([_not_container(path[:-1], source)])


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
