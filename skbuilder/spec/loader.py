"""YAML text -> positioned data -> ``NetworkSpec``.

The YAML is read into plain data with the place of every key and value (``yaml_io``), composed
(``extends:``, overrides; ``compose``), then validated; every pydantic error is mapped back to
the place in the file it came from, with a message and hint a person can act on (``messages``).
Optionally the model's analytic size is checked against a budget (``skbuilder.spec.budget``).
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from skbuilder.spec.budget import budget_issues
from skbuilder.spec.compose import apply_overrides, read_document, resolve_extends
from skbuilder.spec.errors import SpecError, SpecIssue, shown
from skbuilder.spec.limits import DEFAULT_LIMITS, Limits
from skbuilder.spec.messages import close_match, describe, literal_choices
from skbuilder.spec.schema import NetworkSpec
from skbuilder.spec.shipped import resolve_spec, shipped_root
from skbuilder.spec.yaml_io import UNREADABLE, Document, Path_, parse_yaml, read_yaml

__all__ = [
    "Document",
    "load_spec",
    "parse_spec",
    "parse_yaml",
    "spec_from_dict",
    "validate_document",
    "validation_issues",
]


# -- pydantic locations -> data paths -------------------------------------------------------


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


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """The part of a pydantic ``loc`` that addresses the data: union members, discriminator
    tags and validator names are dropped; a missing field is kept by name."""
    path: list[str | int] = []
    for seg in loc:
        # two branches, not one `or`, so that the type checker narrows each lookup
        if isinstance(data, Mapping) and isinstance(seg, str) and seg in data:  # noqa: SIM114
            data = data[seg]
            path.append(seg)
        elif isinstance(data, list) and isinstance(seg, int) and 0 <= seg < len(data):
            data = data[seg]
            path.append(seg)
        elif isinstance(data, Mapping) and isinstance(seg, str):
            model = _model_at(tuple(path))
            if model is not None and seg in model.model_fields:
                path.append(seg)  # a missing field: name it
                data = None
        elif not isinstance(data, Mapping | list):
            break
    return tuple(path)


def _field_hint(path: Path_, name: str) -> str | None:
    model = _model_at(path)
    if model is None:
        return None
    names = list(model.model_fields)
    return close_match(name, names) or f"allowed keys: {', '.join(names)}"


def _choices(path: Path_) -> tuple[Any, ...]:
    model = _model_at(path[:-1]) if path and isinstance(path[-1], str) else None
    info = model.model_fields.get(str(path[-1])) if model else None
    return literal_choices(info.annotation) if info else ()


def _where_set(doc: Document, path: Path_) -> Path_:
    """A stage's SK setting that the stage inherits is reported where the network sets it."""
    if path[:1] == ("stages",) and path[2:3] == ("sk",) and path not in doc.values:
        inherited = ("sk", *path[3:])
        if inherited in doc.values:
            return inherited
    return path


# -- validation -----------------------------------------------------------------------------


def _schema_errors(exc: ValidationError) -> list[Any]:
    """The errors of ``exc`` except those about values the reader could not read (their
    problem is already in ``Document.issues``)."""
    return [
        e
        for e in exc.errors(include_url=False)
        if e.get("input") is not UNREADABLE or e["type"] == "extra_forbidden"
    ]


def validation_issues(exc: ValidationError, doc: Document) -> list[SpecIssue]:
    """Every error of a pydantic ValidationError, at its place in ``doc``."""
    issues: list[SpecIssue] = []
    for err in _schema_errors(exc):
        kind = err["type"]
        ctx = err.get("ctx") or {}
        base = _data_path(doc.data, err["loc"])
        if kind == "spec_rules":
            for v in ctx["violations"]:
                path = _where_set(doc, (*base, *v["loc"]))
                issues.append(doc.issue(path, v["msg"], hint=v.get("hint")))
        elif kind == "extra_forbidden":
            issues.append(
                doc.issue(
                    base,
                    f"unknown key '{shown(base[-1], 40)}'",
                    hint=_field_hint(base[:-1], str(base[-1])),
                    key=True,
                )
            )
        elif kind == "missing":
            issues.append(doc.issue(base, f"required key `{base[-1]}` is missing", key=True))
        else:
            message, hint = describe(err, doc.scalars.get(base), _choices(base))
            issues.append(doc.issue(base, message, hint=hint))
    return issues


#: Top-level fields that no cross-field rule reads, so their errors do not hide rule violations.
RULE_FREE_FIELDS: dict[str, Any] = {
    "name": "spec",
    "description": None,
    "head": {},
    "zero_init_last": False,
}


def _rules_beside(exc: ValidationError, doc: Document) -> list[SpecIssue]:
    """Cross-field rules only run on valid fields. When every field error is an unknown key or
    lies in a field the rules do not read, check the rules on a copy with those set aside, so
    one run reports both kinds of mistake."""
    data = copy.deepcopy(dict(doc.data))
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, err["loc"])
        if err.get("input") is UNREADABLE and path and path[0] in RULE_FREE_FIELDS:
            data[path[0]] = RULE_FREE_FIELDS[path[0]]
            continue
        if err["type"] == "spec_rules" or not path:
            return []
        if err["type"] == "extra_forbidden":
            if not _delete(data, path):
                return []
        elif path[0] in RULE_FREE_FIELDS:
            data[path[0]] = RULE_FREE_FIELDS[path[0]]
        else:
            return []
    try:
        NetworkSpec.model_validate(data)
    except ValidationError as again:
        if all(e["type"] == "spec_rules" for e in again.errors(include_url=False)):
            return validation_issues(again, doc)
    return []


def _delete(data: Any, path: Path_) -> bool:
    try:
        for seg in path[:-1]:
            data = data[seg]
        del data[path[-1]]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def validate_document(doc: Document) -> NetworkSpec:
    """Positioned data -> NetworkSpec, or SpecError with every problem at its place: the
    reader's (``doc.issues``) and the schema's together."""
    if doc.data is UNREADABLE:
        raise SpecError(doc.issues)
    if not isinstance(doc.data, Mapping):
        raise SpecError([*doc.issues, doc.issue((), "a spec must be a mapping of keys to values")])
    try:
        spec = NetworkSpec.model_validate(doc.data)
    except ValidationError as exc:
        issues = validation_issues(exc, doc) + _rules_beside(exc, doc)
        raise SpecError([*doc.issues, *issues]) from None
    except RecursionError:
        raise SpecError([doc.issue((), "the spec is nested too deeply")]) from None
    if doc.issues:
        raise SpecError(doc.issues)
    return spec


def _finish(
    doc: Document,
    base_dir: Path,
    chain: tuple[Path, ...],
    overrides: Iterable[str],
    limits: Limits,
    max_params: int | None,
    max_macs: int | None,
) -> NetworkSpec:
    doc = resolve_extends(doc, base_dir, root=shipped_root(base_dir), limits=limits, chain=chain)
    doc = apply_overrides(doc, overrides, limits=limits)
    spec = validate_document(doc)
    if max_params is not None or max_macs is not None:
        issues = budget_issues(spec, max_params=max_params, max_macs=max_macs, doc=doc)
        if issues:
            raise SpecError(issues)
    return spec


# -- public entry points ------------------------------------------------------------------


def parse_spec(
    text: str,
    source: str = "<string>",
    *,
    base_dir: str | Path | None = None,
    overrides: Iterable[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    max_params: int | None = None,
    max_macs: int | None = None,
) -> NetworkSpec:
    """A spec from YAML text. ``extends:`` is resolved in ``base_dir`` (default: the current
    directory); ``overrides`` are ``path=value`` strings; ``max_params``/``max_macs`` refuse a
    spec whose model would be larger. Raises SpecError listing every problem."""
    doc = read_yaml(text, source, limits=limits)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return _finish(doc, base, (), overrides, limits, max_params, max_macs)


def load_spec(
    path: str | Path,
    *,
    overrides: Iterable[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    max_params: int | None = None,
    max_macs: int | None = None,
) -> NetworkSpec:
    """A spec from a YAML file, or a shipped spec by name (``sknet50``; a file that exists wins).
    See ``parse_spec`` for the options."""
    path = resolve_spec(path)
    doc = read_document(path, str(path), limits)
    return _finish(doc, path.parent, (path.resolve(),), overrides, limits, max_params, max_macs)


def spec_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> NetworkSpec:
    """A spec from Python data (errors carry paths but no line numbers)."""
    return validate_document(Document(dict(data), source))
