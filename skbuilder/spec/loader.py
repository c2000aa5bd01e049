"""YAML text -> positioned data -> ``NetworkSpec``.

The YAML is composed into nodes (safe tags only), converted to plain data while the line and
column of every key and value are kept, then validated; every pydantic error is mapped back to
the place in the file it came from.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from skbuilder.spec.errors import SpecError, SpecIssue
from skbuilder.spec.schema import NetworkSpec

Path_ = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, column


@dataclass
class Document:
    """Plain data from one YAML document with the position of each value and each key."""

    data: Any
    source: str = "<spec>"
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)

    def mark(self, path: Path_, *, key: bool = False) -> Mark | None:
        """Position of the deepest known node on ``path`` (the key itself when ``key``)."""
        if key and path in self.keys:
            return self.keys[path]
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return None

    def issue(
        self, path: Path_, message: str, *, hint: str | None = None, key: bool = False
    ) -> SpecIssue:
        mark = self.mark(path, key=key)
        line, col = mark if mark else (None, None)
        return SpecIssue(path, message, self.source, line, col, hint)


def _mark(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Converter:
    """Nodes -> data, recording marks, refusing duplicate keys and non-string keys."""

    def __init__(self, loader: yaml.SafeLoader, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.issues: list[SpecIssue] = []

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.doc.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    self.issues.append(
                        SpecIssue(
                            path,
                            f"keys must be strings, got {key!r}",
                            self.doc.source,
                            *_mark(key_node),
                        )
                    )
                    continue
                if key in out:
                    first = self.doc.keys[(*path, key)]
                    self.issues.append(
                        SpecIssue(
                            (*path, key),
                            f"duplicate key {key!r} (first at line {first[0]})",
                            self.doc.source,
                            *_mark(key_node),
                        )
                    )
                    continue
                self.doc.keys[(*path, key)] = _mark(key_node)
                out[key] = self.convert(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: str = "<spec>") -> Document:
    """Parse one YAML document into positioned plain data; SpecError on any YAML problem."""
    doc = Document(None, source)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError([SpecIssue((), "the spec is empty", source, 1, 1)])
        converter = _Converter(loader, doc)
        doc.data = converter.convert(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise SpecError([SpecIssue((), f"YAML error: {message}", source, line, col)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue((), f"YAML error: {exc}", source)]) from None
    finally:
        loader.dispose()
    if converter.issues:
        raise SpecError(converter.issues)
    return doc


# -- validation ---------------------------------------------------------------------------


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """The part of a pydantic ``loc`` that addresses the data (union/validator tags dropped)."""
    path: list[str | int] = []
    for seg in loc:
        if (isinstance(data, Mapping) and isinstance(seg, str) and seg in data) or (
            isinstance(data, list) and isinstance(seg, int) and 0 <= seg < len(data)
        ):
            data = data[seg]
            path.append(seg)
        elif isinstance(data, Mapping | list):
            if isinstance(seg, str) and seg.isidentifier() and isinstance(data, Mapping):
                path.append(seg)  # a missing or extra field: name it
                data = None
            continue
        else:
            break
    return tuple(path)


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The schema model whose fields a mapping at ``path`` holds."""
    model: type[BaseModel] | None = NetworkSpec
    for seg in path:
        if model is None or isinstance(seg, int):
            continue
        info = model.model_fields.get(seg)
        model = _unwrap_model(info.annotation) if info else None
    return model


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found:
                return found
    return None


def _field_hint(path: Path_, name: str) -> str | None:
    model = _model_at(path)
    if model is None:
        return None
    close = difflib.get_close_matches(name, list(model.model_fields), n=1)
    allowed = ", ".join(model.model_fields)
    return f"did you mean `{close[0]}`?" if close else f"allowed keys: {allowed}"


def validation_issues(exc: ValidationError, doc: Document) -> list[SpecIssue]:
    """Every error of a pydantic ValidationError, at its place in ``doc``."""
    issues: list[SpecIssue] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        ctx = err.get("ctx") or {}
        base = _data_path(doc.data, err["loc"])
        if kind == "spec_rules":
            for v in ctx["violations"]:
                path = (*base, *v["loc"])
                issues.append(doc.issue(path, v["msg"], hint=v.get("hint")))
        elif kind == "extra_forbidden":
            issues.append(
                doc.issue(
                    base,
                    f"unknown key {base[-1]!r}",
                    hint=_field_hint(base[:-1], str(base[-1])),
                    key=True,
                )
            )
        elif kind == "missing":
            issues.append(doc.issue(base, "required field is missing", key=True))
        else:
            issues.append(doc.issue(base, f"{err['msg']} (got {_show(err.get('input'))})"))
    return issues


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_document(doc: Document) -> NetworkSpec:
    """Positioned data -> NetworkSpec, or SpecError with every problem at its place."""
    if not isinstance(doc.data, Mapping):
        raise SpecError([doc.issue((), "a spec must be a mapping of keys to values")])
    try:
        return NetworkSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise SpecError(validation_issues(exc, doc)) from None


# -- public entry points ------------------------------------------------------------------


def parse_spec(text: str, source: str = "<string>") -> NetworkSpec:
    """A spec from YAML text."""
    return validate_document(parse_yaml(text, source))


def load_spec(path: str | Path) -> NetworkSpec:
    """A spec from a YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecError([SpecIssue((), f"cannot read spec: {reason}", str(path))]) from None
    return parse_spec(text, str(path))


def spec_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> NetworkSpec:
    """A spec from Python data (errors carry paths but no line numbers)."""
    return validate_document(Document(dict(data), source))
