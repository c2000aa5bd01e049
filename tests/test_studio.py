"""The spec studio's API (``skbuilder serve``) through Starlette's test client: what the page is
told (problems as ``validate`` reports them, the summary, the comparison, diagrams and what a
click on them opens), and what it is refused (other hosts and origins, large or malformed
bodies, files it names, work past the time bound)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")
from starlette.testclient import TestClient

from skbuilder.analysis.summary import summarize
from skbuilder.cli import main
from skbuilder.spec import load_spec
from skbuilder.spec.shipped import shipped_spec
from skbuilder.studio import work
from skbuilder.studio.app import Start, make_app
from skbuilder.studio.guard import served_hosts
from skbuilder.studio.limits import DEFAULT_STUDIO_LIMITS, StudioLimits
from tests.conftest import ROOT
from tests.hostile_cases import VALID

SKNET101 = shipped_spec("sknet101").read_text()  # type: ignore[union-attr]
BAD = """name: mine
sk: {M: 2, G: 32}
stages:
  - {depth: 3, mid_width: 128, out_width: 256, stride: 1, blok: sk_bottleneck}
  - {depth: 4, mid_width: 100, out_width: 512, stride: 2}
head: {num_classes: 1000, dropout: 1.5}
"""


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(make_app(Start("sknet101", SKNET101))) as c:
        yield c


def post(client: TestClient, path: str, body: object) -> object:
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_the_page_and_its_assets_come_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/assets/") for s in sources)  # nothing from elsewhere
    for source in sources:
        assert client.get(source).status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/assets/..%2Fapp.py").status_code == 404
    assert client.get("/assets/app.py").status_code == 404


def test_start_and_shipped_specs_by_name_only(client: TestClient) -> None:
    started = {"label": "sknet101", "text": SKNET101, "source": work.SOURCE}
    assert client.get("/api/start").json() == started
    names = client.get("/api/specs").json()["specs"]
    assert "sknet50" in names and "ablations/k3" in names
    assert (
        client.get("/api/specs/ablations/k3")
        .json()["text"]
        .startswith(
            shipped_spec("ablations/k3").read_text()[:20]  # type: ignore[union-attr]
        )
    )
    for named in (
        "../pyproject",
        "..%2F..%2Fpyproject",
        "/etc/passwd",
        "sknet50.yaml",
        "specs/sknet50",
    ):
        assert client.get(f"/api/specs/{named}").status_code == 404


def test_problems_are_validates_json_at_the_same_places(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    main(["validate", str(tmp_path / "bad.yaml"), "--format", "json"])
    expected = json.loads(capsys.readouterr().out)["specs"][0]["problems"]
    got = post(client, "/api/check", {"text": BAD}).json()
    assert got["ok"] is False and got["summary"] is None
    strip = [{k: v for k, v in p.items() if k != "file"} for p in expected]
    assert [{k: v for k, v in p.items() if k != "file"} for p in got["problems"]] == strip
    assert {p["file"] for p in got["problems"]} == {work.SOURCE}
    assert len(strip) == 3


def test_summary_and_totals_are_the_analytic_summary(client: TestClient) -> None:
    got = post(client, "/api/check", {"text": SKNET101}).json()
    expected = summarize(load_spec("sknet101"))
    assert got["ok"] and got["problems"] == []
    assert got["summary"]["params"] == expected.params and got["summary"]["macs"] == expected.macs
    assert [r["part"] for r in got["summary"]["rows"]] == [r.name for r in expected.rows]
    assert [r["params"] for r in got["summary"]["rows"]] == [r.params for r in expected.rows]
    assert got["stages"] == load_spec("sknet101").stage_names()


def test_extends_resolves_shipped_names_and_reads_no_other_file(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = post(client, "/api/check", {"text": "extends: sknet50\nname: mine\n"}).json()
    assert got["ok"] and got["summary"]["params"] == summarize(load_spec("sknet50")).params
    (tmp_path / "base.yaml").write_text(VALID)
    monkeypatch.chdir(tmp_path)  # a file beside the server's folder is not the page's to read
    for target in ("base.yaml", str(tmp_path / "base.yaml"), "../../../../etc/passwd"):
        got = post(client, "/api/check", {"text": f"extends: {target}\n"}).json()
        assert not got["ok"]
        assert [p["path"] for p in got["problems"]] == ["spec.extends"], got["problems"]


def test_every_shipped_spec_loads_as_opened_from_the_menu(client: TestClient) -> None:
    """A shipped spec's ``extends: ../sknet50.yaml`` resolves beside it, as when it is loaded."""
    for name in client.get("/api/specs").json()["specs"]:
        text = client.get(f"/api/specs/{name}").json()["text"]
        got = post(client, "/api/check", {"text": text, "shipped": name}).json()
        assert got["ok"], (name, got["problems"][:2])
        assert got["summary"]["params"] == summarize(load_spec(name)).params
    unknown = post(client, "/api/check", {"text": VALID, "shipped": "../etc"})
    assert unknown.status_code == 422 and "no shipped spec" in unknown.json()["error"]


def test_compare_against_the_pinned_version_per_stage(client: TestClient) -> None:
    deeper = SKNET101.replace("depth: 23", "depth: 8")
    got = post(client, "/api/check", {"text": deeper, "pinned": SKNET101}).json()
    before, after = summarize(load_spec("sknet101")), work.load_text(work.Draft(deeper)).summary
    assert after is not None
    rows = {r["part"]: r for r in got["compare"]["rows"]}
    for old, new in zip(before.rows, after.rows):
        row = rows[new.name]
        assert (row["params_pinned"], row["params"]) == (old.params, new.params)
        assert row["macs_change"] == new.macs - old.macs
        assert (row["params_change"] != 0) == (new.name == "conv4")
    assert got["compare"]["total"]["params_change"] == after.params - before.params < 0
    # a stage that only one version has is shown against nothing
    fewer = post(client, "/api/check", {"text": VALID, "pinned": SKNET101}).json()["compare"]
    gone = {r["part"]: r for r in fewer["rows"]}["conv4"]
    assert gone["params"] is None and gone["params_change"] == -gone["params_pinned"]


def _titles(svg: str) -> set[str]:
    return set(re.findall(r"<title>([^<]*)</title>", svg))


def test_diagram_clicks_open_the_stage_and_the_block(client: TestClient) -> None:
    net = post(client, "/api/diagram", {"text": SKNET101}).json()
    targets = net["targets"]
    drawn = _titles(net["svg"])
    clickable = {t: v for t, v in targets.items() if t in drawn}
    stages = load_spec("sknet101").stage_names()
    assert {v["stage"] for v in clickable.values() if v["level"] == "stage"} == set(stages)
    assert {v["stage"] for v in clickable.values() if v["level"] == "block"} == set(stages)
    stage = post(client, "/api/diagram", {"text": SKNET101, "level": "stage", "stage": "conv4"})
    blocks = {t: v for t, v in stage.json()["targets"].items() if t in _titles(stage.json()["svg"])}
    assert sorted(v["block"] for v in blocks.values()) == [0, 22]  # first and last drawn
    first = post(client, "/api/diagram", {"text": SKNET101, "level": "stage"}).json()["targets"]
    assert {v["stage"] for v in first.values()} == {"conv2"}  # the first SK stage by default
    block = post(
        client, "/api/diagram", {"text": SKNET101, "level": "block", "stage": "conv4", "block": 22}
    )
    assert block.status_code == 200 and "block 23 of 23" in block.json()["svg"]
    missing = post(client, "/api/diagram", {"text": SKNET101, "level": "stage", "stage": "conv9"})
    assert missing.status_code == 422 and "no stage 'conv9'" in missing.json()["error"]
    bad = post(client, "/api/diagram", {"text": BAD})
    assert bad.status_code == 422 and len(bad.json()["problems"]) == 3


def test_downloads_svg_png_and_pdf_or_why_not(client: TestClient) -> None:
    from skbuilder.render import find_renderer

    body = {"text": SKNET101, "level": "stage", "stage": "conv4"}
    svg = post(client, "/api/download", {**body, "format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert 'filename="sknet101-conv4.svg"' in svg.headers["content-disposition"]
    assert b"<svg" in svg.content
    png = post(client, "/api/download", {**body, "format": "png"})
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = post(client, "/api/download", {**body, "format": "pdf"})
    renderer = find_renderer()
    if renderer is not None and renderer.name == "dot" and pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
    else:
        assert pdf.status_code == 422 and "PDF needs the Graphviz `dot` program" in pdf.text


def test_host_origin_and_kind_of_write_are_checked() -> None:
    app = make_app(Start("x", VALID), hosts=served_hosts("127.0.0.1", 8742))
    c = TestClient(app, base_url="http://127.0.0.1:8742")
    ok = {"content-type": "application/json"}
    body = json.dumps({"text": VALID})
    assert c.post("/api/check", content=body, headers=ok).status_code == 200
    assert c.get("/", headers={"host": "localhost:8742"}).status_code == 200
    for host in ("evil.example:8742", "127.0.0.1:9999", "127.0.0.1", ""):
        assert c.get("/", headers={"host": host}).status_code == 421  # DNS rebinding
    for headers, status in [
        ({"origin": "http://evil.example"}, 403),
        ({"origin": "null"}, 403),
        ({"origin": "http://127.0.0.1:8742", "sec-fetch-site": "cross-site"}, 403),
        ({"content-type": "application/x-www-form-urlencoded"}, 415),
        ({"content-type": "text/plain"}, 415),
    ]:
        answer = c.post("/api/check", content=body, headers={**ok, **headers})
        assert answer.status_code == status, headers
        assert "error" in answer.json()
    same = c.post("/api/check", content=body, headers={**ok, "origin": "http://127.0.0.1:8742"})
    assert same.status_code == 200
    assert c.put("/api/check", content=body, headers=ok).status_code == 405
    assert c.get("/api/check").status_code == 405
    assert served_hosts("::1", 80) >= {"[::1]:80", "127.0.0.1:80"}
    assert served_hosts("192.168.1.5", 80) == {"192.168.1.5:80"}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{", 400, "body"),
        (b"[" * 5000 + b"]" * 5000, 400, ""),
        (json.dumps({"text": VALID, "extra": 1}).encode(), 400, "extra"),
        (json.dumps({"text": 5}).encode(), 400, "text"),
        (json.dumps({"text": "x" * (DEFAULT_STUDIO_LIMITS.max_text + 1)}).encode(), 400, "text"),
        (json.dumps({"text": VALID, "level": "galaxy"}).encode(), 400, "level"),
        (json.dumps({"text": VALID, "stage": "../x"}).encode(), 400, "stage"),
        (json.dumps({"text": VALID, "block": 10**30}).encode(), 400, "block"),
        (b" " * (DEFAULT_STUDIO_LIMITS.max_body + 1), 413, "bytes"),
    ],
)
def test_malformed_and_oversized_requests_are_refused(
    client: TestClient, body: bytes, status: int, words: str
) -> None:
    answer = client.post("/api/diagram", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert words in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_a_slow_layout_is_stopped_and_a_slow_request_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from skbuilder.render import Renderer

    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr("skbuilder.render.find_renderer", lambda: Renderer("dot", str(slow)))
    monkeypatch.setattr(work, "DEFAULT_STUDIO_LIMITS", StudioLimits(render_seconds=0.5))
    work.draw.cache_clear()
    c = TestClient(make_app(Start("x", VALID)))
    began = time.monotonic()
    answer = post(c, "/api/diagram", {"text": VALID})
    assert answer.status_code == 422 and "took longer than 0.5 s" in answer.json()["error"]
    assert time.monotonic() - began < 10

    def stuck(text: str, pinned: str | None = None) -> dict[str, object]:
        time.sleep(2)
        return {}

    monkeypatch.setattr(work, "check", stuck)
    c = TestClient(make_app(Start("x", VALID), limits=StudioLimits(request_seconds=0.3)))
    answer = post(c, "/api/check", {"text": VALID})
    assert answer.status_code == 503 and "longer than 0.3 s" in answer.json()["error"]


def test_serve_refuses_wildcards_busy_ports_and_missing_specs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "name the one address" in capsys.readouterr().err
    assert main(["serve", "nowhere.yaml"]) == 3
    assert "nowhere.yaml" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_the_studio_imports_no_torch() -> None:
    probe = f"""
import json, sys
from starlette.testclient import TestClient
from skbuilder.cli import main
from skbuilder.studio.app import Start, make_app
text = {VALID!r}
try:
    main(["serve", "--help"])
except SystemExit:
    pass
c = TestClient(make_app(Start("x", text)))
for path, body in [("/api/check", {{"text": text}}), ("/api/diagram", {{"text": text}}),
                   ("/api/download", {{"text": text, "format": "png"}})]:
    r = c.post(path, content=json.dumps(body), headers={{"content-type": "application/json"}})
    assert r.status_code == 200, r.text
print("torch" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_the_measured_table_is_written_from_its_results() -> None:
    """docs/studio.md's figures are benchmarks/studio.py's, of the spec as it ships now, and they
    meet the targets."""
    import hashlib

    from benchmarks.studio import MARK, spec_text, table

    results = json.loads((ROOT / "docs" / "studio" / "benchmark.json").read_text())
    shown_table = MARK.search((ROOT / "docs" / "studio.md").read_text())
    assert shown_table is not None
    assert table(results) in shown_table.group(0), "rerun benchmarks/studio.py with --doc"
    assert results["inputs"]["spec_sha256"] == hashlib.sha256(spec_text().encode()).hexdigest()
    assert results["inputs"]["edits"] >= 200 and results["inputs"]["clients"] >= 20
    assert results["update"]["cpu_p50_s"] <= 0.25 and results["update"]["cpu_p95_s"] <= 0.5
    assert results["load"]["failed"] == 0 and results["load"]["latency_p99_s"] <= 2
    assert max(results["largest"].values()) < DEFAULT_STUDIO_LIMITS.request_seconds
    hostile = results["hostile"]
    assert hostile["server_errors"] == hostile["tracebacks"] == 0 and hostile["answering_after"]


def test_skbuilder_serve_answers_on_loopback_and_stops_quietly(tmp_path: Path) -> None:
    """The command itself: uvicorn on the socket it bound, the spec file it was given, the Host
    check on a real connection, and Ctrl+C ending it without a traceback."""
    import http.client
    import os
    import signal

    spec = tmp_path / "mine.yaml"
    spec.write_text(VALID)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "skbuilder", "serve", str(spec), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        conn = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=20)
        conn.request("GET", "/api/start")
        assert json.loads(conn.getresponse().read())["text"] == VALID
        conn.request("GET", "/", headers={"Host": "rebound.example"})
        assert conn.getresponse().status == 421
        conn.close()
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert server.returncode in (0, 130) and "Traceback" not in err, err


def test_open_asks_the_browser_once_and_survives_its_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time
    import webbrowser

    from skbuilder.studio import server

    asked: list[str] = []

    def failing(url: str) -> bool:
        asked.append(url)
        raise webbrowser.Error("no runnable browser")

    monkeypatch.setattr(webbrowser, "open", failing)
    server.open_browser("http://127.0.0.1:1/")
    for _ in range(100):
        if "did not start" in capsys.readouterr().out:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the failure was not reported")
    assert asked == ["http://127.0.0.1:1/"]
