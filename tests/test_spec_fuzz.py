"""Mutated valid specs give either a spec or SpecError with placed issues, never another
exception: keys dropped or renamed, values replaced by random scalars, YAML text broken, bytes
flipped (invalid UTF-8, NUL, escapes), tags and YAML 1.1 number forms put anywhere, overrides
with hostile values."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbuilder.spec import NetworkSpec, SpecError, load_spec, parse_spec

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


# -- hostile mutations: bytes and YAML forms ------------------------------------------------

HOSTILE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
SHIPPED = sorted(SPECS.glob("*.yaml"))
#: Bytes that break encodings or terminals: NUL, ESC, invalid and truncated UTF-8, a UTF-16
#: byte-order mark, NEL, a line separator, a bidi override.
BAD_BYTES = [
    b"\x00",
    b"\x1b[2J",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"\xff\xfe",
    b"\xc2\x85",
    "\u2028".encode(),
    "\u202e".encode(),
    b"\t",
    b"\r",
]
#: YAML forms the reader gives one meaning or refuses: tags of every kind, YAML 1.1 numbers.
TAGS = [
    "!!int ",
    "!!bool ",
    "!!timestamp ",
    "!!null ",
    "!!float ",
    "!!str ",
    "!!map ",
    "!!seq ",
    "!!set ",
    "!!binary ",
    "!custom ",
    "!!python/name:os.system ",
    "! ",
]
FORMS = [
    "010",
    "1:04",
    "0x1F",
    "0b11",
    "0o17",
    "1_000",
    "2.0",
    "1e-3",
    "1.0e3",
    ".5",
    "+1",
    "-0",
    ".nan",
    "~",
    "yes",
    "2024-13-45",
    "9" * 40,
    '"\\e[2J"',
    "[1, 2",
    "{a: 1}",
    "&a 1",
    "*a",
    "<<",
]
PLACE = re.compile(r"(?<=: )|(?<=- )|(?<=\{)|(?<=, )|^(?=\s*[A-Za-z_])", re.MULTILINE)
RAW_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def check_file(data: bytes, overrides: list[str] | None = None) -> None:
    """Load ``data`` from a file: a spec, or SpecError whose every issue is placed and prints
    without raw control characters."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(data)
        try:
            spec = load_spec(path, overrides=overrides or [])
        except SpecError as exc:
            assert exc.issues
            for issue in exc.issues:
                assert issue.line is not None and issue.column is not None, str(issue)
                assert not RAW_CONTROL.search(str(issue)), str(issue)
        else:
            assert isinstance(spec, NetworkSpec)


@HOSTILE
@given(
    st.sampled_from(SHIPPED),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.sampled_from(["insert", "replace", "delete"]),
            st.one_of(st.sampled_from(BAD_BYTES), st.binary(min_size=1, max_size=4)),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_byte_mutations_raise_only_placed_spec_errors(
    path: Path, edits: list[tuple[float, str, bytes]]
) -> None:
    data = bytearray(path.read_bytes())
    for where, action, chunk in edits:
        at = int(where * len(data))
        if action == "insert":
            data[at:at] = chunk
        elif action == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            del data[at : at + len(chunk)]
    check_file(bytes(data))


@HOSTILE
@given(
    st.sampled_from(SHIPPED),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TAGS + FORMS)), min_size=1, max_size=3),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TAGS + FORMS + ["8"])), max_size=2),
)
def test_yaml_form_mutations_raise_only_placed_spec_errors(
    path: Path, inserts: list[tuple[float, str]], sets: list[tuple[float, str]]
) -> None:
    text = path.read_text(encoding="utf-8")
    for where, form in inserts:
        places = [m.start() for m in PLACE.finditer(text)]
        at = places[int(where * (len(places) - 1))]
        text = text[:at] + form + text[at:]
    keys = [p for p in paths(yaml.safe_load(path.read_text(encoding="utf-8"))) if p]
    overrides = []
    for where, value in sets:
        key = ".".join(map(str, keys[int(where * (len(keys) - 1))]))
        overrides.append(f"{key}={value}")
    check_file(text.encode("utf-8"), overrides)
