"""The JSON Schema an editor checks a spec file with agrees with the validator: it accepts every
spec the validator accepts, and refuses every spec the validator refuses, except where every
reason is one a JSON Schema cannot express (``BEYOND_SCHEMA``, told apart by
``beyond_schema``). Checked on every shipped spec, and on drawn specs: valid ones from the
project's strategies, and the same mutated (wrong types, unknown and missing keys, numbers at
and past the schema's bounds, bad names and enums, short forms, lists cut or grown)."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator
from pydantic import ValidationError

from skbuilder.spec import NetworkSpec, SpecError, parse_spec
from skbuilder.spec.compose import EXTENDS, read_document, resolve_extends
from skbuilder.spec.json_schema import beyond_schema
from skbuilder.spec.merge import DELETE, PATCH, REPLACE
from skbuilder.spec.shipped import shipped_root, shipped_schema_text
from skbuilder.testing import examples, network_spec_dicts

SCHEMA = json.loads(shipped_schema_text())
#: Compiled once. Editors' YAML language server reads draft 7, whose keywords the schema keeps
#: to: both drafts must give the same verdict.
VALIDATORS = (Draft202012Validator(SCHEMA), Draft7Validator(SCHEMA))
#: What the property tests met, printed at the end of the module (``pytest -s``).
SEEN: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    print("\nschema vs validator:", dict(sorted(SEEN.items())))


def schema_accepts(data: Any) -> bool:
    verdicts = {v.is_valid(data) for v in VALIDATORS}
    assert len(verdicts) == 1, "draft 7 and draft 2020-12 read the schema differently"
    return verdicts.pop()


def validator_errors(data: Any) -> list[dict[str, Any]]:
    try:
        NetworkSpec.model_validate(data)
    except ValidationError as exc:
        return exc.errors(include_url=False)
    return []


def check_agreement(data: Any) -> str:
    """Assert the rule of this module for one spec's data; say how it fell out."""
    errors = validator_errors(data)
    accepted = schema_accepts(data)
    if not errors:
        assert accepted, [e.message for e in VALIDATORS[0].iter_errors(data)]
        return "valid: both accept"
    if not accepted:
        return "invalid: both refuse"
    reasons = [beyond_schema(e) for e in errors]
    missed = [e for e, reason in zip(errors, reasons) if reason is None]
    assert not missed, f"the schema accepts what the validator refuses: {missed}"
    return "invalid: beyond the schema: " + ", ".join(sorted(set(map(str, reasons))))


# -- shipped specs ---------------------------------------------------------------------------


def test_every_shipped_spec_satisfies_the_schema(specs_dir: Path) -> None:
    files = sorted(specs_dir.rglob("*.yaml"))
    assert files
    for path in files:
        doc = read_document(path, str(path))
        # the file as an editor sees it (with its extends:), and resolved as the loader sees it
        resolved = resolve_extends(doc, path.parent, root=shipped_root(path.parent)).data
        assert schema_accepts(doc.data), path
        assert check_agreement(resolved) == "valid: both accept", path
        SEEN["shipped spec"] += 1


# -- drawn specs -----------------------------------------------------------------------------


def _bounds(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (keyword, value) pair in the schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _bounds(value)
    elif isinstance(node, list):
        for item in node:
            yield from _bounds(item)


def _pool() -> tuple[list[Any], list[Any], list[int], list[str]]:
    """Values to put anywhere: wrong types, YAML 1.1 words and short forms; each numeric bound
    of the schema with its neighbours, strings around each length bound, every enum and const
    with its case changed; list lengths around each bound; and every key the schema knows."""
    plain: list[Any] = [None, True, False, "", "x", "4", "yes", "no", "Off", 0.5, 2.0, 64.0]
    plain += [math.nan, math.inf, -math.inf, [], [3], [2, 4], [3, 5, 7], {}, {"kind": "se"}]
    plain += [{"kind": "cbam", "kernel": 4}, {"kind": "bogus"}, {"r": 4}, {"M": None}]
    plain += [[{"kernel": 3}], [{"kernel": 3, "dilation": 2}, {"kernel": 5}], "1abc", "a b"]
    plain += ["\u200b", "sk_bottleneck", "no_such_block", "conv2", "../base.yaml"]
    bounded: list[Any] = []
    lengths = {0, 1, 2}
    keys: set[str] = set()
    for key, value in _bounds(SCHEMA):
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
            bounded += [value - 1, value, value + 1, value * 2]
        elif key in ("minLength", "maxLength"):
            bounded += ["a" * n for n in (max(value - 1, 0), value, value + 1)]
        elif key in ("minItems", "maxItems"):
            lengths.update((max(value - 1, 0), value, value + 1))
        elif key in ("enum", "const"):
            for choice in value if key == "enum" else [value]:
                bounded += [choice, choice.upper() if isinstance(choice, str) else choice]
        elif key == "properties":
            keys.update(value)
    keys.discard(EXTENDS)  # a top-level extends: is the loader's: checked with files below
    return plain, bounded, sorted(lengths), sorted(keys)


PLAIN, BOUNDED, LENGTHS, KEYS = _pool()
VALUES = st.one_of(st.sampled_from(PLAIN), st.sampled_from(BOUNDED))


def _places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _places(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _places(value, (*path, i))


def _shipped_data() -> list[dict[str, Any]]:
    root = Path(__file__).resolve().parents[2] / "specs"
    out = []
    for path in sorted(root.rglob("*.yaml")):
        doc = resolve_extends(read_document(path, str(path)), path.parent, root=shipped_root(root))
        out.append(doc.data)
    return out


SHIPPED = _shipped_data()
#: Every key's values in the shipped specs: grafted into a drawn spec, they make combinations
#: that each value alone allows (kernels beside branches, a deep stem of odd width, ...).
DONORS = sorted(
    {
        (path[-1], json.dumps(value))
        for data in SHIPPED
        for path, value in _places(data)
        if path and isinstance(path[-1], str)
    }
)


@st.composite
def mutated(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one to three changes at drawn places."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        places = [(p, v) for p, v in _places(data) if p]
        mappings = [v for _, v in _places(data) if isinstance(v, dict)]
        lists = [v for _, v in places if isinstance(v, list)]
        action = draw(st.sampled_from(("replace", "nudge", "graft", "drop", "add", "resize")))
        if action in ("graft", "drop", "add"):
            mapping = draw(st.sampled_from(mappings))
            if action == "graft":
                key, value = draw(st.sampled_from(DONORS))
                mapping[key] = json.loads(value)
            elif action == "drop" and mapping:
                del mapping[draw(st.sampled_from(sorted(mapping)))]
            elif action == "add":
                mapping[draw(st.sampled_from([*KEYS, "foo"]))] = copy.deepcopy(draw(VALUES))
            continue
        if action == "resize" and lists:
            items = draw(st.sampled_from(lists))
            n = draw(st.sampled_from(LENGTHS))
            items[:] = (items * n)[:n] if items else [3] * n
            continue
        if not places:
            continue
        path, old = draw(st.sampled_from(places))
        parent: Any = data
        for seg in path[:-1]:
            parent = parent[seg]
        if action == "nudge" and isinstance(old, int | float) and not isinstance(old, bool):
            parent[path[-1]] = draw(st.sampled_from((old - 1, old + 1, -old, old * 2, float(old))))
        else:
            parent[path[-1]] = copy.deepcopy(draw(VALUES))
    return data


@examples(2.5)
@given(data=network_spec_dicts(), change=st.data())
def test_schema_and_validator_agree_on_drawn_specs(data: dict[str, Any], change: Any) -> None:
    outcome = check_agreement(data)  # valid by construction: test_prop_strategies holds that
    SEEN["drawn spec: " + outcome] += 1
    for seed in (data, change.draw(st.sampled_from(SHIPPED))):
        outcome = check_agreement(change.draw(mutated(seed)))
        SEEN["mutated spec: " + outcome] += 1
        event(outcome)


@st.composite
def extending(draw: st.DrawFn, base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """A file that extends ``base``: some of ``other``'s keys; stages changed by name (keys of
    another stage) or deleted; directives at drawn places (``{$patch: delete}`` as a key's
    value, ``$patch: replace`` in a mapping or at a list's head); then mutated."""
    keys = draw(st.lists(st.sampled_from(sorted(other)), unique=True))
    child: dict[str, Any] = {k: copy.deepcopy(other[k]) for k in keys}
    names = [stage["name"] for stage in base["stages"] if "name" in stage]
    if names and draw(st.booleans()):
        child["stages"] = []
        for name in draw(st.lists(st.sampled_from(names), unique=True, min_size=1)):
            donor = draw(st.sampled_from(other["stages"]))
            changed = draw(st.lists(st.sampled_from(sorted(donor)), unique=True))
            change = {PATCH: DELETE} if draw(st.booleans()) else {k: donor[k] for k in changed}
            child["stages"].append({**change, "name": name})
    for _ in range(draw(st.integers(0, 2))):
        mappings = [v for _, v in _places(child) if isinstance(v, dict)]
        lists = [v for _, v in _places(child) if isinstance(v, list)]
        how = draw(st.sampled_from(("delete", "replace", "replace list")))
        if how == "replace list" and lists:
            draw(st.sampled_from(lists)).insert(0, {PATCH: REPLACE})
        elif how == "replace":
            draw(st.sampled_from(mappings))[PATCH] = REPLACE
        else:
            draw(st.sampled_from(mappings))[draw(st.sampled_from(KEYS))] = {PATCH: DELETE}
    child = draw(mutated(child)) if draw(st.booleans()) else child
    return {EXTENDS: "base.yaml", **{k: v for k, v in child.items() if k != EXTENDS}}


@examples(0.5)
@given(base=network_spec_dicts(), other=network_spec_dicts(), change=st.data())
def test_schema_and_loader_agree_on_extending_files(
    tmp_path_factory: pytest.TempPathFactory,
    base: dict[str, Any],
    other: dict[str, Any],
    change: Any,
) -> None:
    """A file that extends another: the schema sees its own keys only, so what it refuses the
    loader refuses, and what the loader accepts it accepts."""
    folder = tmp_path_factory.mktemp("extends")
    for i, stage in enumerate(base["stages"]):  # named, so that stages merge by name
        stage.setdefault("name", f"s{i}")
    (folder / "base.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    child = change.draw(extending(base, other))
    try:
        parse_spec(yaml.safe_dump(child), base_dir=folder)
        loaded = True
    except SpecError:
        loaded = False
    accepted = schema_accepts(child)
    assert accepted or not loaded, [e.message for e in VALIDATORS[0].iter_errors(child)]
    SEEN[
        f"extending file: loader {'accepts' if loaded else 'refuses'}, schema "
        f"{'accepts' if accepted else 'refuses'}"
    ] += 1
