"""The console's app, on ``INTAKE_CONSOLE_LISTEN`` (by default 127.0.0.1:8081): the web
console under ``/console/`` (``bot.console.app``), ``GET /metrics`` (Prometheus text,
``bot.metrics``) and ``GET /healthz`` (``bot.http.health``). It is never served on the
webhook's port, so exposing the webhook exposes none of this.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from bot.http.health import Health
from bot.metrics import CONTENT_TYPE, Metrics

#: Where the console's pages are; ``/`` leads there.
CONSOLE = "/console/"


def private_app(health: Health, metrics: Metrics, console: ASGIApp | None = None) -> Starlette:
    """``console``: the console's own app, whose routes all start with ``/console``;
    without it the listener serves ``/metrics`` and ``/healthz`` only."""

    async def exposition(request: Request) -> Response:
        body = await asyncio.to_thread(metrics.exposition)  # reads the database
        return Response(body, media_type=CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", health.endpoint, methods=["GET"]),
        Route("/metrics", exposition, methods=["GET"]),
    ]
    if console is not None:
        async def home(request: Request) -> Response:
            return RedirectResponse(CONSOLE, status_code=303)

        routes += [Route("/", home, methods=["GET"]), Mount("", app=console)]
    return Starlette(routes=routes)
