"""``skbuilder serve [SPEC]``: the spec studio, a local web page where a spec is written and its
network seen as it is typed (``skbuilder.studio``; needs the ``studio`` extra).

It listens on the loopback address unless told otherwise, answers only to the address it
serves, and reads no file but SPEC and the shipped specs.
"""

from __future__ import annotations

import argparse
import socket
from typing import TYPE_CHECKING

from skbuilder.cli.common import (
    EXIT_USAGE,
    CLIError,
    FileProblem,
    add_plugin_argument,
    bounded_int,
    require_package,
)
from skbuilder.spec.errors import shown

if TYPE_CHECKING:
    from skbuilder.studio.app import Start

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8742
DEFAULT_SPEC = "sknet50"
WILDCARDS = ("0.0.0.0", "::", "")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="the spec studio: edit a spec in the browser, see problems, summary and diagram",
        description="Serve the spec studio, a local web page where a spec is edited and its "
        "problems, summary and diagram follow as you type. Stop it with Ctrl+C.",
    )
    p.add_argument(
        "spec",
        nargs="?",
        default=DEFAULT_SPEC,
        metavar="SPEC",
        help=f"the spec to open: a YAML file or a shipped spec's name (default {DEFAULT_SPEC})",
    )
    add_plugin_argument(p)
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this computer only)",
    )
    p.add_argument(
        "--port",
        type=bounded_int(0, 65535),
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)",
    )
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    require_package("starlette", "pip install 'skbuilder[studio]'")
    require_package("uvicorn", "pip install 'skbuilder[studio]'")
    if args.host.strip("[]") in WILDCARDS:
        raise _usage(
            f"--host {shown(args.host, 60)}: name the one address to serve on; the studio "
            "answers only requests addressed to it"
        )
    start = _start(args.spec)
    sock = _bind(args.host.strip("[]"), args.port)
    port = sock.getsockname()[1]
    from skbuilder.studio.server import serve

    host = args.host.strip("[]")
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    print(f"skbuilder studio: {url}  ({start.label}; Ctrl+C stops it)", flush=True)
    serve(sock, start, host, port, url if args.open else None)
    return 0


def _usage(message: str) -> CLIError:
    error = CLIError(message)
    error.exit_code = EXIT_USAGE
    return error


def _start(ref: str) -> Start:
    """The SPEC argument's text, read once (a file, else a shipped name)."""
    from skbuilder.input_file import InputFileError, read_input_file
    from skbuilder.spec.compose import decode_utf8
    from skbuilder.spec.shipped import resolve_spec
    from skbuilder.studio.app import Start
    from skbuilder.studio.limits import DEFAULT_STUDIO_LIMITS

    path = resolve_spec(ref)
    limit = DEFAULT_STUDIO_LIMITS.max_text
    try:
        raw = read_input_file(path, limit)
    except InputFileError as exc:
        raise FileProblem(f"{shown(ref, 200)}: cannot read spec: {exc}") from None
    if len(raw) > limit:
        raise FileProblem(f"{shown(ref, 200)}: over the studio's {limit:,} bytes")
    return Start(shown(ref, 200), decode_utf8(raw, str(path)))


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, so that a busy port or a bad address is an error here, in words."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise _usage(f"--host {shown(host, 60)}: not an address ({exc})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise CLIError(
            f"cannot listen on {shown(host, 60)}:{port}: {exc.strerror or exc}"
        ) from None
    sock.set_inheritable(True)
    return sock
