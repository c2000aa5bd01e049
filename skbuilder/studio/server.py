"""Serving the studio with uvicorn on a socket the command line has already bound."""

from __future__ import annotations

import socket
import threading
import webbrowser

import uvicorn

from skbuilder.studio.app import Start, make_app
from skbuilder.studio.guard import served_hosts


def serve(sock: socket.socket, start: Start, host: str, port: int, open_url: str | None) -> None:
    """Answer on ``sock`` until interrupted; ``open_url``: open it in the browser once up."""
    app = make_app(
        start,
        hosts=served_hosts(host, port),
        on_startup=(lambda: open_browser(open_url)) if open_url else None,
    )
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=2,
        limit_concurrency=200,
        h11_max_incomplete_event_size=64 * 1024,
    )
    uvicorn.Server(config).run(sockets=[sock])


def open_browser(url: str) -> None:
    """Open ``url`` in the user's browser without waiting for it; a browser that cannot be
    started is reported, not raised (the page is still served)."""

    def opening() -> None:
        try:
            if not webbrowser.open(url):
                print(f"skbuilder: no browser could be opened; visit {url}", flush=True)
        except Exception as exc:  # a third-party launcher: any failure is only reported
            print(f"skbuilder: the browser did not start ({type(exc).__name__}); visit {url}")

    threading.Thread(target=opening, daemon=True).start()
