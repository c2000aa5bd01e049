"""The studio's door: every request passes here before any route sees it.

A page on another site can make a browser send requests to a local server: through a name of
its own that resolves to 127.0.0.1 (DNS rebinding: the Host header then carries that name) or
with a form or script posting across origins. So a request is refused unless its Host is one
the server was started as, a write (POST) unless it comes from the studio's own page (Origin,
Sec-Fetch-Site) as JSON, and a body larger than the bound is refused before it is read whole.
Every answer carries headers that keep the page from running anything but its own script.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skbuilder.spec.errors import shown

#: The page runs only its own script and styles, loads nothing from elsewhere, and cannot be
#: framed; the diagram's inline SVG may carry style attributes, so styles allow them.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
METHODS = ("GET", "HEAD", "POST")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def served_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers a server bound to ``host``:``port`` answers: on a loopback address every
    loopback name, else the address as given."""
    names: Iterable[str] = LOOPBACK_NAMES if is_loopback(host) else (host,)
    if ":" in host and not host.startswith("["):
        names = [*names, f"[{host}]"]
    return frozenset(f"{name}:{port}" for name in names)


class Guard:
    """ASGI middleware: the Host check, the write checks, the body bound, security headers."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None, max_body: int) -> None:
        self.app = app
        self.hosts = hosts  # None: any Host (the test client)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = Headers(scope=scope)
        refusal = self._refusal(scope["method"], headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        if scope["method"] == "POST":
            body = await _read_body(receive, self.max_body)
            if body is None:
                await _answer(send, 413, f"the request is over {self.max_body:,} bytes")
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    def _refusal(self, method: str, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if self.hosts is not None and host not in self.hosts:
            allowed = ", ".join(sorted(self.hosts))
            return 421, f"this server answers as {allowed}, not as {shown(host, 80)!r}"
        if method not in METHODS:
            return 405, f"method {shown(method, 20)} is not allowed"
        if method != "POST":
            return None
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return 403, f"a write from another origin ({shown(origin, 80)}) is refused"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return 403, "a write from another site is refused"
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return 415, "the studio takes JSON (Content-Type: application/json)"
        length = headers.get("content-length", "0")
        if not length.isdigit() or len(length) > 15:
            return 400, "Content-Length is not a number"
        if int(length) > self.max_body:
            return 413, f"the request is over {self.max_body:,} bytes"
        return None


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = [
                (k, v) for k, v in message.get("headers", []) if k.decode() not in SECURITY_HEADERS
            ]
            raw += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
            message = {**message, "headers": raw}
        await send(message)

    return sending


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the body already read to the app, then waits as before."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
