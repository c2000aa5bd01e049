"""The spec studio's cost and behaviour under use, measured (``skbuilder serve``).

Run from the repository root:

    PYTHONPATH=. python benchmarks/studio.py [--edits 200] [--clients 20] [--seconds 60]
        [--pause 0.5] [--json docs/studio/benchmark.json] [--doc docs/studio.md]

Three parts, each bounded, on loopback addresses only:

- largest: the CPU of the check and of two diagrams of the largest spec the schema allows.
- update: ``--edits`` scripted edits of SKNet-101, each a spec not seen before (so no cache
  helps), sent in-process through the application (Starlette's test client) as the page sends
  them: one check (validate + summary) and one diagram (drawn and rendered to SVG). The server's
  CPU per edit is this process's CPU time plus that of the Graphviz programs it ran.
- load: ``--clients`` threads, each a person editing SKNet-101 (an edit, its check and diagram,
  then ``--pause`` seconds), for ``--seconds`` against a real ``skbuilder serve`` on 127.0.0.1
  in its own process; every response's latency, failures, and the server's resident memory
  sampled each second (peak from the kernel's high-water mark).
- hostile: the hostile-input corpus's spec texts (``tests/hostile_cases.py``, the categories a
  page can send) through the same server: server errors, tracebacks shown, still answering.

``--json`` keeps every figure with the commit and the inputs; ``--doc`` rewrites the table
between the ``studio-benchmark`` markers of that page from them.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = "sknet101"
MARK = re.compile(r"(<!-- studio-benchmark -->\n).*?(<!-- /studio-benchmark -->)", re.S)
BOUND_S = 600  # no part runs longer than this, whatever the options


def spec_text() -> str:
    from skbuilder.spec.shipped import shipped_spec

    path = shipped_spec(SPEC)
    assert path is not None
    return path.read_text()


def edits(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct valid variants of SKNet-101, as a person would make them: a stage's depth
    and width changed, one keystroke's worth at a time."""
    base, rng = spec_text(), random.Random(seed)
    out, seen = [], set()
    while len(out) < n:
        conv2, conv3, conv4 = rng.randint(1, 6), rng.randint(1, 12), rng.randint(1, 40)
        width = rng.choice((256, 288, 320, 384, 448, 512))
        text = base.replace("depth: 4,", f"depth: {conv3},").replace(
            "depth: 23,", f"depth: {conv4},"
        )
        text = text.replace("{name: conv2, depth: 3,", f"{{name: conv2, depth: {conv2},")
        text = text.replace("mid_width: 512,", f"mid_width: {width},")
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- update: CPU per edit, in-process ---------------------------------------------------------


def measure_updates(n: int) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from skbuilder.studio.app import Start, make_app

    texts = edits(n)
    headers = {"content-type": "application/json"}
    cpu, wall = [], []
    with TestClient(make_app(Start(SPEC, spec_text()))) as client:
        client.post("/api/diagram", content=json.dumps({"text": spec_text()}), headers=headers)
        for text in texts:
            began_cpu, began_children, began = (
                time.process_time(),
                children_cpu(),
                time.perf_counter(),
            )
            checked = client.post("/api/check", content=json.dumps({"text": text}), headers=headers)
            drawn = client.post("/api/diagram", content=json.dumps({"text": text}), headers=headers)
            assert checked.json()["ok"] and drawn.status_code == 200, drawn.text[:200]
            cpu.append(time.process_time() - began_cpu + children_cpu() - began_children)
            wall.append(time.perf_counter() - began)
    return {
        "edits": n,
        "cpu_p50_s": percentile(cpu, 50),
        "cpu_p95_s": percentile(cpu, 95),
        "cpu_max_s": max(cpu),
        "wall_p50_s": percentile(wall, 50),
        "wall_p95_s": percentile(wall, 95),
    }


def largest_text() -> str:
    """The largest network the schema allows: 64 stages of 1,024 blocks."""
    stages = "\n".join(
        f"  - {{name: s{i}, depth: 1024, mid_width: 64, out_width: 64, stride: 1}}"
        for i in range(64)
    )
    return f"name: largest\ninput: {{image_size: 64}}\nsk: {{G: 32}}\nstages:\n{stages}\n"


def measure_largest() -> dict[str, Any]:
    """Server CPU (with the renderer's) of the largest spec: its check, its network diagram, and
    one of its stages."""
    from starlette.testclient import TestClient

    from skbuilder.studio.app import Start, make_app

    text, headers, out = largest_text(), {"content-type": "application/json"}, {}
    with TestClient(make_app(Start("largest", text))) as client:
        for key, path, body in [
            ("check_cpu_s", "/api/check", {"text": text}),
            ("network_cpu_s", "/api/diagram", {"text": text}),
            ("stage_cpu_s", "/api/diagram", {"text": text, "level": "stage", "stage": "s63"}),
        ]:
            began, began_children = time.process_time(), children_cpu()
            answer = client.post(path, content=json.dumps(body), headers=headers)
            assert answer.status_code == 200, answer.text[:200]
            out[key] = time.process_time() - began + children_cpu() - began_children
    return out


# -- load: a real server, many clients --------------------------------------------------------


class Server:
    """``skbuilder serve SPEC --port 0`` in its own process; its port read from its first line."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        command = [sys.executable, "-m", "skbuilder", "serve", SPEC, "--port", "0"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            self.process.kill()
            raise SystemExit(f"the studio did not start: {line!r}")
        self.port = int(found.group(1))

    def status(self) -> dict[str, int]:
        """Resident memory now and at its peak (kB), from /proc."""
        fields = {}
        for row in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = row.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
        return fields

    def cpu_s(self) -> float:
        """CPU seconds of the server and of the renderers it has run."""
        parts = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(parts[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(
    conn: http.client.HTTPConnection, path: str, body: dict[str, Any] | None
) -> tuple[int, bytes]:
    if body is None:
        conn.request("GET", path)
    else:
        data = json.dumps(body).encode()
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def client_loop(
    port: int, texts: list[str], pause: float, until: float, out: dict[str, Any]
) -> None:
    """One person editing: each edit checked, and drawn when it loads, then a pause."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while time.monotonic() < until:
        text = texts[i % len(texts)]
        i += 1
        for path in ("/api/check", "/api/diagram"):
            began = time.perf_counter()
            try:
                status, body = request(conn, path, {"text": text})
            except (OSError, http.client.HTTPException) as exc:
                out["failures"].append(f"{path}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                break
            out["latency"].append(time.perf_counter() - began)
            if status != 200:
                out["failures"].append(f"{path}: {status} {body[:120]!r}")
                break
            if path == "/api/check" and not json.loads(body)["ok"]:
                break  # the page draws only a spec that loads
        time.sleep(pause)
    conn.close()


def measure_load(clients: int, seconds: float, pause: float) -> tuple[dict[str, Any], Server]:
    seconds = min(seconds, BOUND_S)
    server = Server()
    try:
        base = spec_text()
        half_typed = base.replace("depth: 23,", "depth: ,")  # a moment while typing: a problem
        per_client = 200  # more than one client makes in the time: no edit is seen twice
        pool = edits(clients * per_client, seed=1)
        out: dict[str, Any] = {"latency": [], "failures": []}
        cpu_before = server.cpu_s()
        until = time.monotonic() + seconds
        threads = []
        for k in range(clients):
            mine = pool[k * per_client : (k + 1) * per_client]
            mine[::5] = [half_typed] * len(mine[::5])
            thread = threading.Thread(
                target=client_loop, args=(server.port, mine, pause, until, out)
            )
            threads.append(thread)
            thread.start()
        rss: list[tuple[float, int]] = []
        started = time.monotonic()
        while any(t.is_alive() for t in threads):
            rss.append((time.monotonic() - started, server.status()["VmRSS"]))
            time.sleep(1)
        for thread in threads:
            thread.join()
        latency = out["latency"]
        tenth = max(1, len(rss) // 10)
        return {
            "clients": clients,
            "seconds": seconds,
            "pause_s": pause,
            "requests": len(latency) + len(out["failures"]),
            "failed": len(out["failures"]),
            "failures": out["failures"][:10],
            "latency_p50_s": percentile(latency, 50),
            "latency_p99_s": percentile(latency, 99),
            "latency_max_s": max(latency),
            "rss_first_tenth_kb": max(r for _, r in rss[:tenth]),
            "rss_last_tenth_kb": max(r for _, r in rss[-tenth:]),
            "rss_peak_kb": server.status()["VmHWM"],
            "server_cpu_s": server.cpu_s() - cpu_before,
        }, server
    except BaseException:
        server.stop()
        raise


# -- hostile: the corpus through the real server ----------------------------------------------


def measure_hostile(server: Server) -> dict[str, Any]:
    from tests.test_studio_hostile import SENT

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    server_errors = tracebacks = refused = 0
    for _, text in SENT:
        for path in ("/api/check", "/api/diagram"):
            try:
                status, body = request(conn, path, {"text": text})
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                status, body = 599, b""  # the connection was dropped: counted as an error
            server_errors += status >= 500
            tracebacks += b"Traceback" in body
            refused += 400 <= status < 500
    status, _ = request(conn, "/api/specs", None)
    conn.close()
    return {
        "texts": len(SENT),
        "requests": 2 * len(SENT),
        "server_errors": server_errors,
        "tracebacks": tracebacks,
        "answered_4xx": refused,
        "answering_after": status == 200,
    }


# -- report -----------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    u, lo, h, big = results["update"], results["load"], results["hostile"], results["largest"]
    rows = [
        ("what", "measured", "target"),
        ("---", "---", "---"),
        (
            f"server CPU per edit of {SPEC}, p50 ({u['edits']} edits)",
            f"{u['cpu_p50_s']:.3f} s",
            "≤ 0.25 s",
        ),
        ("server CPU per edit, p95", f"{u['cpu_p95_s']:.3f} s", "≤ 0.5 s"),
        (
            "largest spec allowed (64 stages × 1,024 blocks): CPU of check, network, a stage",
            f"{big['check_cpu_s']:.2f} / {big['network_cpu_s']:.2f} / {big['stage_cpu_s']:.2f} s",
            "bounded",
        ),
        (
            f"{lo['clients']} clients × {lo['seconds']:g} s: requests, failed",
            f"{lo['requests']:,}, {lo['failed']}",
            "0 failed",
        ),
        (
            "response time p50 / p99 / max",
            f"{lo['latency_p50_s']:.3f} / {lo['latency_p99_s']:.3f} / {lo['latency_max_s']:.3f} s",
            "p99 ≤ 2 s",
        ),
        (
            "server memory: first tenth, last tenth, peak",
            " / ".join(
                f"{lo[k] / 1024:.0f}"
                for k in ("rss_first_tenth_kb", "rss_last_tenth_kb", "rss_peak_kb")
            )
            + " MiB",
            "flat",
        ),
        (
            f"hostile texts ({h['texts']}, {h['requests']} requests): 5xx, tracebacks",
            f"{h['server_errors']}, {h['tracebacks']} "
            f"(still answering: {'yes' if h['answering_after'] else 'no'})",
            "0, 0, yes",
        ),
    ]
    body = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    m = results["machine"]
    return f"{body}\n\nMeasured at commit `{results['commit'][:12]}` on {m}.\n"


def main(argv: list[str] | None = None) -> int:
    from skbuilder.provenance import commit

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between a client's edits")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=None)
    args = parser.parse_args(argv)
    if not 1 <= args.edits <= 5000 or not 1 <= args.clients <= 100:
        parser.error("--edits 1..5000, --clients 1..100")

    update = measure_updates(args.edits)
    print(
        f"update: CPU per edit p50 {update['cpu_p50_s']:.3f} s, p95 {update['cpu_p95_s']:.3f} s "
        f"({update['cpu_p50_s'] / 0.25:.2f} and {update['cpu_p95_s'] / 0.5:.2f} of the targets)"
    )
    largest = measure_largest()
    print("largest spec: CPU " + ", ".join(f"{k} {v:.2f} s" for k, v in largest.items()))
    load, server = measure_load(args.clients, args.seconds, args.pause)
    try:
        print(
            f"load: {load['requests']} requests, {load['failed']} failed, p99 "
            f"{load['latency_p99_s']:.3f} s, RSS {load['rss_first_tenth_kb']} -> "
            f"{load['rss_last_tenth_kb']} kB (peak {load['rss_peak_kb']} kB)"
        )
        hostile = measure_hostile(server)
        print(
            f"hostile: {hostile['requests']} requests, {hostile['server_errors']} 5xx, "
            f"{hostile['tracebacks']} tracebacks, answering after: {hostile['answering_after']}"
        )
    finally:
        server.stop()
    spec_sha = hashlib.sha256(spec_text().encode()).hexdigest()
    results = {
        "commit": commit(ROOT),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}",
        "inputs": {
            "spec": SPEC,
            "spec_sha256": spec_sha,
            **{k: v for k, v in vars(args).items() if k not in ("json", "doc")},
        },
        "update": update,
        "largest": largest,
        "load": load,
        "hostile": hostile,
    }
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.doc:
        page = args.doc.read_text()
        if not MARK.search(page):
            raise SystemExit(f"{args.doc} has no studio-benchmark markers")
        args.doc.write_text(MARK.sub(lambda m: m.group(1) + table(results) + m.group(2), page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
