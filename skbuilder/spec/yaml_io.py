"""YAML text -> plain data with the file, line and column of every key and value.

PyYAML composes the nodes, bounded (``Limits``) in size, nesting, values after alias
expansion and aliases; a syntax error or a passed bound stops reading. Every scalar, value or
key, is read by ``scalars.read_scalar``. A tag that is not plain data (on a value, a key, a
mapping or a list), a scalar that cannot be read, a duplicate or non-string key are problems
recorded in ``Document.issues`` while reading goes on, so they are reported beside the
schema's; the value in question is ``UNREADABLE``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

import yaml

from skbuilder.spec.errors import SpecError, SpecIssue, shown
from skbuilder.spec.limits import DEFAULT_LIMITS, Limits
from skbuilder.spec.scalars import TAG, ScalarProblem, is_scalar_tag, read_scalar, show_tag

Path_ = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, column


class Unreadable:
    """The value of a node that could not be read; its problem is in ``Document.issues``."""

    def __repr__(self) -> str:
        return "<unreadable>"

    def __copy__(self) -> Unreadable:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Unreadable:
        return self


UNREADABLE = Unreadable()


@dataclass
class Document:
    """Plain data from YAML with the position of each value and each key.

    ``files`` names the file of a path when it differs from ``source`` (after ``extends:`` or an
    override); ``scalars`` keeps each scalar's text and quoting style, so a message can say
    what was written, not only what YAML made of it. ``issues`` are the problems met while
    reading that did not stop it (reported together with the schema's).
    """

    data: Any
    source: str = "<spec>"
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)
    files: dict[Path_, str] = field(default_factory=dict)
    scalars: dict[Path_, tuple[str, str | None]] = field(default_factory=dict)
    issues: list[SpecIssue] = field(default_factory=list)

    def mark(self, path: Path_, *, key: bool = False) -> Mark | None:
        """Position of the deepest known node on ``path`` (the key itself when ``key``)."""
        found = self._known(path, key=key)
        return None if found is None else found[1]

    def origin(self, path: Path_) -> str:
        """The file the value at ``path`` was read from."""
        return self.files.get(path, self.source)

    def _known(self, path: Path_, *, key: bool) -> tuple[Path_, Mark] | None:
        if key and path in self.keys:
            return path, self.keys[path]
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return path[:cut], self.values[path[:cut]]
        return None

    def issue(
        self, path: Path_, message: str, *, hint: str | None = None, key: bool = False
    ) -> SpecIssue:
        found = self._known(path, key=key)
        if found is None:
            return SpecIssue(path, message, self.source, None, None, hint)
        known, (line, col) = found
        return SpecIssue(path, message, self.origin(known), line, col, hint)


def _mark(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _LimitExceeded(Exception):
    """A bound of ``Limits`` was passed; carries the issue to report."""

    def __init__(self, issue: SpecIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


class _PythonEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python parser: YAML text -> events."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


try:  # libyaml parses about 100 times faster, so a 1 MB file is refused in well under a second
    from yaml._yaml import CParser as _Events
except ImportError:  # PyYAML built without libyaml
    _Events = _PythonEvents

#: Whether error positions of the parser are byte offsets into the UTF-8 text (libyaml's).
_BYTE_POSITIONS = _Events is not _PythonEvents


class _BoundedLoader(
    yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """Events from the parser composed into nodes by PyYAML's composer, bounded in depth,
    nodes and aliases; tags resolved by YAML 1.1's rules (PyYAML's resolver)."""

    def __init__(self, text: str, source: str, limits: Limits) -> None:
        self.events = _Events(text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.source, self.limits = source, limits
        self.depth = self.nodes = self.aliases = 0
        self.alias_marks: dict[tuple[int, int], Mark] = {}  # (parent, index or key) -> ``*name``

    def check_event(self, *choices: type[yaml.Event]) -> bool:
        return bool(self.events.check_event(*choices))

    def peek_event(self) -> yaml.Event:
        return self.events.peek_event()

    def get_event(self) -> yaml.Event:
        return self.events.get_event()

    def dispose(self) -> None:
        self.events.dispose()

    def _refuse(self, message: str, hint: str) -> typing.NoReturn:
        mark = self.peek_event().start_mark
        raise _LimitExceeded(
            SpecIssue((), message, self.source, mark.line + 1, mark.column + 1, hint)
        )

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            mark = self.peek_event().start_mark
            where = index if isinstance(index, int) else id(index)
            self.alias_marks[(id(parent), where)] = (mark.line + 1, mark.column + 1)
            if self.aliases > self.limits.max_aliases:
                self._refuse(
                    f"more than {self.limits.max_aliases} aliases (*name)",
                    "repeat the values, or use `extends:` to share a base spec",
                )
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            self._refuse(f"more than {self.limits.max_nodes} values", "a spec is small")
        self.depth += 1
        try:
            if self.depth > self.limits.max_depth:
                self._refuse(f"nested deeper than {self.limits.max_depth} levels", "flatten it")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Converter:
    """Nodes -> data, recording marks and the problems of tags, scalars and keys; refuses
    alias expansions past the node budget."""

    def __init__(self, loader: _BoundedLoader, doc: Document, limits: Limits) -> None:
        self.loader = loader
        self.doc = doc
        self.limits = limits
        self.issues: list[SpecIssue] = []
        self.expanded = 0
        self.open: set[int] = set()  # collection nodes being converted (self-reference check)

    def _issue(self, path: Path_, node: yaml.Node, message: str, hint: str | None = None) -> None:
        self.issues.append(SpecIssue(path, message, self.doc.source, *_mark(node), hint))

    def _count(self, node: yaml.Node, path: Path_) -> None:
        self.expanded += 1
        if self.expanded > self.limits.max_nodes:
            raise _LimitExceeded(
                SpecIssue(
                    path,
                    f"aliases expand to more than {self.limits.max_nodes} values",
                    self.doc.source,
                    *_mark(node),
                    "an alias that repeats other aliases grows exponentially; write values out",
                )
            )

    def convert(self, node: yaml.Node, path: Path_, at: Mark | None = None) -> Any:
        """``node`` as plain data; ``at`` is where it is referenced, when through an alias."""
        self._count(node, path)
        self.doc.values[path] = at or _mark(node)
        problem = _tag_problem(node)
        if problem:
            self._issue(path, node, *problem)
            return UNREADABLE
        if isinstance(node, yaml.ScalarNode):
            self.doc.scalars[path] = (node.value, node.style)
            try:
                return self._read(node)
            except ScalarProblem as exc:
                self._issue(path, node, exc.message, exc.hint)
                return UNREADABLE
        if id(node) in self.open:
            line, col = self.doc.values[path]
            message = "an alias refers to a value that contains it"
            self.issues.append(SpecIssue(path, message, self.doc.source, line, col))
            return UNREADABLE
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [
                self.convert(item, (*path, i), self._alias_mark(node, i))
                for i, item in enumerate(node.value)
            ]
        finally:
            self.open.discard(id(node))

    def _read(self, node: yaml.ScalarNode) -> Any:
        return read_scalar(node.tag, node.value, lambda: self.loader.construct_yaml_timestamp(node))

    def _alias_mark(self, parent: yaml.Node, where: int | yaml.Node) -> Mark | None:
        key = where if isinstance(where, int) else id(where)
        return self.loader.alias_marks.get((id(parent), key))

    def _key(self, node: yaml.Node, path: Path_) -> str | None:
        """The key ``node`` as a string; None (the problem recorded) when it is not one. A
        key under a refused tag is still read as its text, so its value is checked too."""
        if not isinstance(node, yaml.ScalarNode):
            kind = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
            self._issue(path, node, f"keys must be strings, got {kind}", _KEY_HINT)
            return None
        problem = _tag_problem(node)
        if problem and node.tag == TAG + "merge":
            self._issue(path, node, *problem)
            return None
        if problem:
            self._issue((*path, node.value), node, *problem)
            return node.value
        try:
            key = self._read(node)
        except ScalarProblem as exc:
            self._issue(path, node, f"cannot read the key: {exc.message}", exc.hint)
            return None
        if not isinstance(key, str):
            text = shown(node.value, 40)
            # no mapping of the spec is keyed by numbers: one is a list written by index
            hint = _ITEM_HINT if isinstance(key, int) else f"quote it: '{text}'"
            self._issue(path, node, f"keys must be strings, got `{text}`", hint)
            return None
        return key

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            here = (*path, key)
            if key in out:
                first = self.doc.keys[here]
                self._issue(
                    here,
                    key_node,
                    f"duplicate key '{shown(key, 40)}' (first at line {first[0]})",
                    "YAML would silently keep the last one; remove one of them",
                )
                continue
            self.doc.keys[here] = _mark(key_node)
            out[key] = self.convert(value_node, here, self._alias_mark(node, key_node))
        return out


_KEY_HINT = "a key is a plain name, such as `depth`"
_ITEM_HINT = (
    "no key of a spec is a number: a list's items are written `- ...`, and one item of a base "
    "spec's list is changed by its name, `- {name: conv4, depth: 8}`"
)
_PLAIN_DATA = "a spec holds plain data only (strings, numbers, booleans, lists, mappings)"


def _tag_problem(node: yaml.Node) -> tuple[str, str] | None:
    """Why the tag of ``node`` is refused, or None for plain data: a scalar tag on a scalar,
    ``!!map`` on a mapping, ``!!seq`` on a list."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if is_scalar_tag(tag, node.value):
            return None
    elif tag == TAG + ("map" if isinstance(node, yaml.MappingNode) else "seq"):
        return None
    if tag == TAG + "merge":
        return "merge keys (<<) are not supported", "repeat the keys, or use `extends:`"
    name = shown(show_tag(tag), 60)
    if is_scalar_tag(tag, "") or tag in (TAG + "map", TAG + "seq"):
        kind = {yaml.ScalarNode: "a single value", yaml.MappingNode: "a mapping"}.get(
            type(node), "a list"
        )
        return f"the tag {name} cannot stand on {kind}", "remove the tag"
    return f"the tag {name} is not allowed", _PLAIN_DATA


def _syntax_issue(exc: yaml.MarkedYAMLError, text: str, source: str, limits: Limits) -> SpecIssue:
    """A YAML syntax error as an issue at its place, with the line its construct started."""
    mark = exc.problem_mark or exc.context_mark
    line, col = _place(text, mark.line, mark.column) if mark else (None, None)
    problem = exc.problem or ""
    if "maximum nesting depth" in problem:  # libyaml's own bound, met while scanning ahead
        message = f"nested deeper than {limits.max_depth} levels"
        return SpecIssue((), message, source, line, col, "flatten it")
    message = ": ".join(p for p in (exc.context, problem) if p) or str(exc)
    start = exc.context_mark
    if start and exc.problem_mark and start.line != exc.problem_mark.line:
        message += f" (the construct started at line {start.line + 1})"
    tab = line is not None and col is not None and _line(text, line)[col - 1 : col] == "\t"
    hint = "indent with spaces; YAML does not allow tabs" if tab else None
    return SpecIssue((), f"YAML error: {message}", source, line, col, hint)


def _line(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text``."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


def _place(text: str, line: int, column: int) -> tuple[int, int]:
    """1-based line and column of a 0-based mark; a mark past the last line (libyaml's end of
    a text without a final newline) is placed just after the text."""
    lines = text.count("\n")
    if line > lines:
        return lines + 1, len(text) - (text.rfind("\n") + 1) + 1
    return line + 1, column + 1


def parse_yaml(text: str, source: str = "<spec>", *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML document into positioned plain data; SpecError on any YAML problem."""
    doc = read_yaml(text, source, limits=limits)
    if doc.issues:
        raise SpecError(doc.issues)
    return doc


def read_yaml(text: str, source: str = "<spec>", *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML document into positioned plain data. Problems that leave the rest
    readable are in ``issues`` (their values ``UNREADABLE``); SpecError when reading stops."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > limits.max_bytes:
        raise SpecError(
            [SpecIssue((), f"the spec is {size:,} bytes, over {limits.max_bytes:,}", source, 1, 1)]
        )
    doc = Document(None, source)
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text, source, limits)  # the reader checks characters here
        converter = _Converter(loader, doc, limits)
        node = loader.get_single_node()
        if node is None:
            raise SpecError([SpecIssue((), "the spec is empty", source, 1, 1)])
        doc.data = converter.convert(node, ())
    except _LimitExceeded as exc:
        raise SpecError([exc.issue]) from None
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_syntax_issue(exc, text, source, limits)]) from None
    except yaml.reader.ReaderError as exc:
        at = exc.position
        if _BYTE_POSITIONS:
            at = len(text.encode("utf-8", errors="replace")[:at].decode("utf-8", errors="ignore"))
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        message = f"character {char!r} is not allowed in YAML"
        raise SpecError([SpecIssue((), message, source, line, col)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue((), f"YAML error: {exc}", source)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    doc.issues = converter.issues
    return doc
