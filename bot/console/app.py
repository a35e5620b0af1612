"""The console's Starlette app: sign-in routes, every page in ``bot.console.pages.PAGES``,
the static files, and the security headers every response carries."""

from __future__ import annotations

import importlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console import auth
from bot.console.access import current_user
from bot.console.pages import PAGES
from bot.console.render import interface_languages, refusal, template_environment
from bot.console.sessions import sign_in_for
from bot.wiring import Services

STATIC = Path(__file__).resolve().parent / "static"
#: Only this origin's own scripts, styles and images; no framing; forms post here only.
POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
          "script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
          "form-action 'self'; base-uri 'none'")
HEADERS = ((b"content-security-policy", POLICY.encode("ascii")),
           # Nothing goes to other sites in Referer (sign-in tokens stay here); same-origin
           # requests keep it, and with it their Origin header (no-referrer would send null).
           (b"referrer-policy", b"same-origin"),
           (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"),
           (b"cache-control", b"no-store"))


class SecurityHeaders:
    """Adds :data:`HEADERS` to every response (static files are cacheable)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/console/static/")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in HEADERS
                         if name not in present and not (static and name == b"cache-control")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, sending)


def page_routes(names: tuple[str, ...] = PAGES) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in names:
        module = importlib.import_module(f"bot.console.pages.{name}")
        routes.extend(module.ROUTES)
    return routes


async def not_found(request: Request, exc: Exception) -> Response:
    """A page in the console's frame (with its navigation when signed in), not bare text."""
    user = await current_user(request)
    return refusal(request, user, "missing", status=404)


async def unreadable(request: Request, exc: Exception) -> Response:
    """A form the server could not parse (a field over the size limit, a damaged upload):
    said in the console's frame; nothing was done."""
    user = await current_user(request)
    return refusal(request, user, "form", status=400)


def build_console(services: Services) -> Starlette:
    """The console on ``services``; every URL is under ``/console/``."""
    routes: list[BaseRoute] = [
        Mount("/console/static", StaticFiles(directory=STATIC), name="static"),
        *auth.ROUTES, *page_routes(), *auth.FALLBACK_ROUTES]
    app = Starlette(routes=routes, exception_handlers={400: unreadable, 404: not_found})
    app.add_middleware(SecurityHeaders)
    app.state.services = services
    app.state.sign_in = sign_in_for(services)
    app.state.jinja = template_environment()
    app.state.languages = interface_languages(services.settings.locales)
    return app
