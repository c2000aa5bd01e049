"""How a spec that ``extends:`` another merges onto it: a strategic merge, as Kustomize's.

- Mappings merge key by key; the extending spec wins.
- A list whose items have a ``name`` (``stages``) merges item by item: an item whose name the
  base has changes only the keys it states, an item with a new name is appended, and
  ``{name: x, $patch: delete}`` removes the base's item ``x``.
- A list of unnamed items (``sk.kernels``, ``sk.branches``) is replaced whole.
- ``$patch: replace`` takes the value as written instead of merging: as a key of a mapping
  (the mapping, or the named item, replaces the base's) or alone as the first item of a list
  (``- $patch: replace``: the rest of the list replaces the base's). ``$patch: delete`` as a
  key of a mapping removes that key's value from the base.

Every value keeps the file and place it came from, so errors point at the right file. A problem
(an item without a name, a name that is not there to delete) is recorded in ``Document.issues``,
so it is reported beside the schema's problems; a list that cannot merge by name is left as the
base has it, so one mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from skbuilder.spec.errors import shown
from skbuilder.spec.messages import close_match
from skbuilder.spec.yaml_io import Document, Path_

PATCH = "$patch"
REPLACE, DELETE = "replace", "delete"
NAME = "name"
_HOW = 'docs/spec.md, "Composing specs"'


def merge(base: Document, over: Document) -> Document:
    """``over`` merged onto ``base`` (see the module's docstring)."""
    out = Document(None, over.source, issues=[*base.issues, *over.issues])
    out.data = _Merger(base, over, out).value(base.data, over.data, (), (), ())
    return out


def without_directives(doc: Document) -> Document:
    """``doc`` (a spec that extends nothing) with each ``$patch`` reported and set aside."""
    found = list(_directive_paths(doc.data, ()))
    if not found:
        return doc
    out = merge(Document({}, doc.source), doc)
    out.issues = [
        *doc.issues,
        *(
            doc.issue(path, "`$patch` only applies in a spec that `extends:` another", key=True)
            for path in found
        ),
    ]
    return out


def _directive_paths(data: Any, path: Path_) -> Iterator[Path_]:
    if isinstance(data, dict):
        if PATCH in data:
            yield (*path, PATCH)
        for key, value in data.items():
            yield from _directive_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _directive_paths(value, (*path, i))


class _Merger:
    def __init__(self, base: Document, over: Document, out: Document) -> None:
        self.base, self.over, self.out = base, over, out

    # -- positions ----------------------------------------------------------------------

    def _take(self, doc: Document, src: Path_, dst: Path_, *, subtree: bool = True) -> None:
        """Copy the positions of ``doc``'s value at ``src`` (and below, if ``subtree``) to
        ``dst`` in the output."""
        n = len(src)
        for table_src, table_dst in zip(_tables(doc), _tables(self.out)):
            for path, mark in table_src.items():
                if path[:n] == src and (subtree or len(path) == n):
                    moved = (*dst, *path[n:])
                    table_dst[moved] = mark
                    self.out.files[moved] = doc.origin(path)

    def _issue(self, path: Path_, message: str, hint: str | None = None) -> None:
        self.out.issues.append(self.over.issue(path, message, hint=hint))

    # -- values -------------------------------------------------------------------------

    def value(self, a: Any, b: Any, pa: Path_, pb: Path_, po: Path_) -> Any:
        """``b`` (over's value at ``pb``) merged onto ``a`` (base's at ``pa``), placed at
        ``po``."""
        if isinstance(b, dict):
            directive = b.get(PATCH)
            if PATCH in b and directive not in (REPLACE, DELETE):
                self._issue(
                    (*pb, PATCH),
                    f"`$patch: {shown(directive, 40)}` is not a directive",
                    "write `$patch: replace` or `$patch: delete`",
                )
                directive = None  # merged as if it were not there
            if isinstance(a, dict) and directive is None:
                return self._mapping(a, b, pa, pb, po)
            return self._as_written(b, pb, po)
        if isinstance(b, list):
            if b and _replaces_list(b[0]):
                return self._list_as_written(b, pb, po)
            if isinstance(a, list) and (_named(a) or _named(b)):
                return self._named_list(a, b, pa, pb, po)
            return self._as_written(b, pb, po)
        self._take(self.over, pb, po)
        return b

    def _mapping(
        self, a: dict[str, Any], b: dict[str, Any], pa: Path_, pb: Path_, po: Path_
    ) -> Any:
        self._take(self.over, pb, po, subtree=False)
        out: dict[str, Any] = {}
        for key, value in a.items():
            if key not in b:
                self._take(self.base, (*pa, key), (*po, key))
                out[key] = value
        for key, value in b.items():
            if key == PATCH:
                continue
            if _directive(value) == DELETE:
                if key not in a:
                    self._issue((*pb, key), f"`{shown(key, 40)}` is not in the base to delete")
                continue
            if key in a:
                out[key] = self.value(a[key], value, (*pa, key), (*pb, key), (*po, key))
            else:
                out[key] = self._as_written(value, (*pb, key), (*po, key))
        return {k: out[k] for k in [*a, *b] if k in out}  # the base's order, new keys after

    def _as_written(self, b: Any, pb: Path_, po: Path_) -> Any:
        """``b`` taken whole, less its directives (``$patch: replace`` replaces nothing more
        where the base has nothing)."""
        if isinstance(b, dict):
            self._take(self.over, pb, po, subtree=False)
            out = {}
            for key, value in b.items():
                if key == PATCH:
                    continue
                if _directive(value) == DELETE:
                    self._issue((*pb, key), f"`{shown(key, 40)}` is not in the base to delete")
                    continue
                out[key] = self._as_written(value, (*pb, key), (*po, key))
            return out
        if isinstance(b, list):
            if b and _replaces_list(b[0]):
                return self._list_as_written(b, pb, po)
            self._take(self.over, pb, po, subtree=False)
            return [self._as_written(v, (*pb, i), (*po, i)) for i, v in enumerate(b)]
        self._take(self.over, pb, po)
        return b

    def _list_as_written(self, b: list[Any], pb: Path_, po: Path_) -> list[Any]:
        """A list that starts with ``- $patch: replace``: the rest, as written."""
        self._take(self.over, pb, po, subtree=False)
        items = b[1:]
        return [self._as_written(v, (*pb, i + 1), (*po, i)) for i, v in enumerate(items)]

    def _named_list(self, a: list[Any], b: list[Any], pa: Path_, pb: Path_, po: Path_) -> list[Any]:
        """Items matched by ``name``; the base's order, new names appended."""
        if not self._mergeable(a, b, pb):
            self._take(self.base, pa, po)
            return a
        self._take(self.over, pb, po, subtree=False)
        index = {item[NAME]: i for i, item in enumerate(a)}
        changes: dict[str, int] = {}
        for j, item in enumerate(b):
            name = item[NAME]
            if name in changes:
                first = f"{'.'.join(map(str, pb))}.{changes[name]}"
                self._issue((*pb, j, NAME), f"name {shown(name, 40)!r} is already used by {first}")
            elif _directive(item) == DELETE and name not in index:
                self._issue(
                    (*pb, j, NAME),
                    f"no item named {shown(name, 40)!r} in the base to delete",
                    _known_names(name, index),
                )
            elif _directive(item) == DELETE and set(item) - {NAME, PATCH}:
                self._issue((*pb, j), "a `$patch: delete` item holds only the `name` to delete")
            changes.setdefault(name, j)
        out: list[Any] = []
        for i, item in enumerate(a):
            change = changes.get(item[NAME])
            if change is None:
                self._take(self.base, (*pa, i), (*po, len(out)))
                out.append(item)
            elif _directive(b[change]) != DELETE:
                out.append(self.value(item, b[change], (*pa, i), (*pb, change), (*po, len(out))))
        for name, j in changes.items():
            if name not in index and _directive(b[j]) != DELETE:
                out.append(self._as_written(b[j], (*pb, j), (*po, len(out))))
        return out

    def _mergeable(self, a: list[Any], b: list[Any], pb: Path_) -> bool:
        """Whether every item on both sides is a mapping with a string ``name``; else each
        side's first unnamed item is reported."""
        ok = True
        for j, item in enumerate(b):
            if not (isinstance(item, dict) and isinstance(item.get(NAME), str)):
                self._issue(
                    (*pb, j),
                    "an item of a list merged by name needs a `name`: the base's item it "
                    "changes, or a new one",
                    f"to replace the base's list instead, start it with `- $patch: replace` "
                    f"({_HOW})",
                )
                ok = False
                break
        for i, item in enumerate(a):
            if not (isinstance(item, dict) and isinstance(item.get(NAME), str)):
                self._issue(
                    pb,
                    f"the base's item {i} has no `name`, so this list cannot merge into the "
                    f"base's by name",
                    f"start the list with `- $patch: replace` to replace the base's ({_HOW})",
                )
                ok = False
                break
        return ok


def _tables(doc: Document) -> tuple[dict[Path_, Any], ...]:
    return doc.values, doc.keys, doc.scalars


def _directive(value: Any) -> Any:
    return value.get(PATCH) if isinstance(value, dict) else None


def _replaces_list(item: Any) -> bool:
    """``- $patch: replace`` (alone) as a list's first item."""
    return isinstance(item, dict) and list(item) == [PATCH] and item[PATCH] == REPLACE


def _named(items: list[Any]) -> bool:
    return any(isinstance(item, dict) and NAME in item for item in items)


def _known_names(name: str, index: dict[str, int]) -> str:
    return close_match(name, index) or f"the base's names: {', '.join(index)}"
