"""Mutated valid specs give either a spec or SpecError with placed issues, never another
exception: keys dropped or renamed, values replaced by random scalars, YAML text broken."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbuilder.spec import NetworkSpec, SpecError, parse_spec

SPECS = Path(__file__).resolve().parent.parent / "specs"
TEXTS = [(SPECS / f"{n}.yaml").read_text() for n in ("sknet50", "skresnet18", "sknet26")]
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["no", "yes", "1e-3", "0x1F", "~", "2024-01-01", "sk_bottleneck", "deep"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=6), scalars, max_size=3),
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths(v, (*prefix, i))
    return out


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for seg in path[:-1]:
        data = data[seg]
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(yaml.safe_load(draw(st.sampled_from(TEXTS))))
    for _ in range(draw(st.integers(1, 3))):
        options = paths(data)
        if not options:
            break
        path = draw(st.sampled_from(options))
        parent, last = parent_of(data, path), path[-1]
        action = draw(st.sampled_from(["drop", "rename", "replace"]))
        if action == "drop":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(last)
        else:
            parent[last] = draw(values)
    return data


def check(text: str) -> None:
    try:
        spec = parse_spec(text, source="fuzz.yaml")
    except SpecError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.source == "fuzz.yaml"
            assert issue.line is not None and issue.column is not None, str(issue)
            assert str(issue).startswith(f"fuzz.yaml:{issue.line}:{issue.column}: spec")
    else:
        assert isinstance(spec, NetworkSpec)


@FUZZ
@given(mutated_data())
def test_mutated_specs_raise_only_spec_error(data: dict[str, Any]) -> None:
    check(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@FUZZ
@given(
    st.sampled_from(TEXTS),
    st.integers(min_value=0, max_value=2000),
    st.lists(
        st.sampled_from([*"{}[]:,-&*!|>'\"#%@` \t\n?", "no", "x", "!!python/name:os"]), max_size=6
    ).map("".join),
    st.booleans(),
)
def test_broken_yaml_raises_only_spec_error(text: str, at: int, insert: str, cut: bool) -> None:
    at = min(at, len(text))
    check(text[:at] if cut and at else text[:at] + insert + text[at:])


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_spec_error(text: str) -> None:
    check(text)
