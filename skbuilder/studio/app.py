"""The studio's web application (Starlette): the page, its assets, and a small JSON API.

- ``GET /``, ``GET /assets/NAME``: the page and its script and styles, shipped in the package.
- ``GET /api/start``: the spec the server was started with; ``GET /api/specs``: the shipped
  specs' names; ``GET /api/specs/NAME``: one shipped spec's text (no other file is read).
- ``POST /api/check {text, pinned?}``: problems (``validate --format json``'s), summary, and the
  cost against the pinned text.
- ``POST /api/diagram {text, level, stage?, block?}``: the SVG and what a click on it opens.
- ``POST /api/download {text, level, stage?, block?, format}``: SVG, PNG or PDF as a file.

Work runs in worker threads, a few at a time, each request within a time bound.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any, Literal, TypeVar

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skbuilder.spec.errors import issue_json, shown
from skbuilder.spec.shipped import shipped_specs
from skbuilder.studio import work
from skbuilder.studio.guard import Guard
from skbuilder.studio.limits import DEFAULT_STUDIO_LIMITS, StudioLimits

T = TypeVar("T")
ASSETS = {
    "studio.js": "text/javascript; charset=utf-8",
    "studio.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
MEDIA = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
Text = Annotated[str, Field(max_length=DEFAULT_STUDIO_LIMITS.max_text)]
ShippedName = Annotated[str, Field(max_length=200)]
StageName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: Text
    shipped: ShippedName | None = None  # the shipped spec the text was opened from
    pinned: Text | None = None
    pinned_shipped: ShippedName | None = None

    def draft(self) -> work.Draft:
        return work.Draft(self.text, self.shipped)

    def pinned_draft(self) -> work.Draft | None:
        return None if self.pinned is None else work.Draft(self.pinned, self.pinned_shipped)


class DiagramRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: Text
    shipped: ShippedName | None = None
    level: Literal["network", "stage", "block"] = "network"
    stage: StageName | None = None
    block: int = Field(0, ge=0, le=1023)
    format: Literal["svg", "png", "pdf"] = "svg"

    def view(self) -> work.View:
        return work.View(self.level, self.stage, self.block)

    def draft(self) -> work.Draft:
        return work.Draft(self.text, self.shipped)


@dataclass(frozen=True)
class Start:
    """What the page opens with: a label (a shipped name or the file given) and its text."""

    label: str
    text: str


class BadRequest(Exception):
    """The request itself is malformed; answered 400 with the message."""


def _parsed(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadRequest(f"{shown(where, 40)}: {shown(first['msg'], 200)}") from None


def make_app(
    start: Start,
    *,
    hosts: frozenset[str] | None = None,
    limits: StudioLimits = DEFAULT_STUDIO_LIMITS,
    on_startup: Callable[[], None] | None = None,
) -> Guard:
    """The studio as an ASGI application. ``hosts``: the Host headers it answers (None: any,
    for the test client); ``on_startup`` runs once it is serving (opening a browser)."""
    assets = {
        name: files("skbuilder.studio").joinpath(f"assets/{name}").read_bytes() for name in ASSETS
    }
    page = files("skbuilder.studio").joinpath("assets/index.html").read_bytes()
    state: dict[str, anyio.CapacityLimiter] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["workers"] = anyio.CapacityLimiter(limits.workers)
        if on_startup is not None:
            on_startup()
        yield

    async def in_worker(job: Callable[[], T]) -> T:
        limiter = state.get("workers")
        if limiter is None:  # served without the lifespan (some test set-ups)
            limiter = state["workers"] = anyio.CapacityLimiter(limits.workers)
        with anyio.fail_after(limits.request_seconds):
            return await anyio.to_thread.run_sync(job, limiter=limiter, abandon_on_cancel=True)

    async def guarded(job: Callable[[], Response]) -> Response:
        try:
            return await in_worker(job)
        except BadRequest as exc:
            return _error(400, str(exc))
        except work.SpecProblems as exc:
            problems = [issue_json(i) for i in exc.problems]
            return JSONResponse({"error": "the spec has problems", "problems": problems}, 422)
        except work.Refused as exc:
            return _error(422, str(exc))
        except TimeoutError:
            return _error(503, f"the request took longer than {limits.request_seconds:g} s")

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:
            return _error(404, "no such asset")
        return Response(assets[name], media_type=ASSETS[name])

    async def started(request: Request) -> Response:
        return JSONResponse({"label": start.label, "text": start.text, "source": work.SOURCE})

    async def specs(request: Request) -> Response:
        return JSONResponse({"specs": list(shipped_specs())})

    async def shipped(request: Request) -> Response:
        path = shipped_specs().get(request.path_params["name"])
        if path is None:
            return _error(
                404, f"no shipped spec is named {shown(request.path_params['name'], 80)!r}"
            )
        return JSONResponse({"name": request.path_params["name"], "text": path.read_text("utf-8")})

    async def check(request: Request) -> Response:
        body = await request.body()

        def job() -> Response:
            asked = _parsed(CheckRequest, body)
            return JSONResponse(work.check(asked.draft(), asked.pinned_draft()))

        return await guarded(job)

    async def diagram(request: Request) -> Response:
        body = await request.body()

        def job() -> Response:
            asked = _parsed(DiagramRequest, body)
            svg = work.draw(asked.draft(), asked.view(), "svg").decode("utf-8")
            spec = work.loaded_spec(asked.draft())
            view = {"level": asked.level, "stage": asked.stage, "block": asked.block}
            return JSONResponse(
                {"svg": svg, "view": view, "targets": work.targets(spec, asked.view())}
            )

        return await guarded(job)

    async def download(request: Request) -> Response:
        body = await request.body()

        def job() -> Response:
            asked = _parsed(DiagramRequest, body)
            data = work.draw(asked.draft(), asked.view(), asked.format)
            name = _file_name(work.loaded_spec(asked.draft()).name, asked)
            disposition = f'attachment; filename="{name}"'
            return Response(
                data, media_type=MEDIA[asked.format], headers={"content-disposition": disposition}
            )

        return await guarded(job)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/assets/{name}", asset),
            Route("/api/start", started),
            Route("/api/specs", specs),
            Route("/api/specs/{name:path}", shipped),
            Route("/api/check", check, methods=["POST"]),
            Route("/api/diagram", diagram, methods=["POST"]),
            Route("/api/download", download, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    return Guard(app, hosts=hosts, max_body=limits.max_body)


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status)


def _file_name(spec_name: str, asked: DiagramRequest) -> str:
    """``sknet50-network.svg``, ``sknet50-conv4-block1.png``: safe characters only."""
    parts = [spec_name]
    if asked.level == "network":
        parts.append("network")
    else:
        parts.append(asked.stage or "first-sk-stage")
        if asked.level == "block":
            parts.append(f"block{asked.block + 1}")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts)).strip("._") or "diagram"
    return f"{stem[:100]}.{asked.format}"
