"""The hostile-input corpus (``hostile_cases.py``) sent as the studio's page would send it: every
spec text of the categories a page can send, through the check and the diagram. No answer is a
server error or shows a traceback, each problem is reported where ``validate`` reports it, and
the server still answers afterwards."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")
from starlette.testclient import TestClient

from skbuilder.studio.app import Start, make_app
from skbuilder.studio.limits import DEFAULT_STUDIO_LIMITS
from tests.hostile_cases import CASES, SPEC, VALID, Case

#: What a page can send is text: the spec's YAML, its numbers and tags, what it echoes back.
#: (Options, output files and the file system are the command line's, not the page's.)
CATEGORIES = ("yaml-reader", "tags", "numbers", "messages", "all-at-once", "terminal", "paths")
MAX_ANSWER = 2_000_000


def page_text(case: Case) -> str | None:
    """The spec text of a case as the page would hold it (None: not text a page can hold)."""
    files = dict(case.files)
    raw = files.get(SPEC)
    if case.category not in CATEGORIES or raw is None or case.argv[1:2] != (SPEC,):
        return None
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None  # not UTF-8: a page's text never is
    return raw


SENT = [(case, text) for case in CASES if (text := page_text(case)) is not None]


def located(case: Case) -> tuple[int, int, str] | None:
    """(line, column, path) where ``validate`` alone must report the case's problem."""
    if case.argv != ("validate", SPEC) or not (case.where or "").startswith(f"{SPEC}:"):
        return None
    if case.setup is not None or len(case.files) > 1:
        return None  # its problem lies in a file beside the spec, which the page cannot name
    place, path = case.where[len(SPEC) + 1 :].split(": ", 1)  # type: ignore[index]
    line, column = place.split(":")
    return int(line), int(column), path


def test_the_corpus_sent_covers_the_categories() -> None:
    sent = {case.category for case, _ in SENT}
    assert sent == set(CATEGORIES)
    assert len(SENT) >= 100
    assert sum(located(case) is not None for case, _ in SENT) >= 60


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(make_app(Start("tiny", VALID))) as c:
        yield c


def test_hostile_texts_through_the_api(client: TestClient) -> None:
    errors: list[str] = []
    for case, text in SENT:
        for path in ("/api/check", "/api/diagram"):
            answer = client.post(
                path,
                content=json.dumps({"text": text}),
                headers={"content-type": "application/json"},
            )
            if answer.status_code >= 500 or "Traceback" in answer.text:
                errors.append(f"{case.name} {path}: {answer.status_code} {answer.text[:300]}")
            if len(answer.content) > MAX_ANSWER:
                errors.append(f"{case.name} {path}: {len(answer.content):,} bytes")
        checked = client.post(
            "/api/check",
            content=json.dumps({"text": text}),
            headers={"content-type": "application/json"},
        ).json()
        problems = checked.get("problems", [])
        if "error" in checked:  # refused whole: only a text over the studio's size
            if len(text) <= DEFAULT_STUDIO_LIMITS.max_text:
                errors.append(f"{case.name}: refused: {checked['error']}")
            continue
        if (place := located(case)) is not None:
            where = [(p["line"], p["column"], p["path"]) for p in problems]
            if not any(w[:2] == place[:2] and w[2].startswith(place[2]) for w in where):
                errors.append(f"{case.name}: {place} not in {where[:5]}")
            said = "\n".join(f"{p['message']}; {p['hint']}" for p in problems)
            if case.category != "terminal":  # the terminal's escapes are the command line's
                errors.extend(f"{case.name}: {w!r} not said" for w in case.words if w not in said)
    assert not errors, "\n".join(errors[:20])
    assert client.get("/api/specs").status_code == 200  # still answering
    ok = client.post(
        "/api/check",
        content=json.dumps({"text": VALID}),
        headers={"content-type": "application/json"},
    )
    assert ok.json()["ok"] is True
