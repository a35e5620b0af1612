"""Every POST address of the console, whatever page added it, refuses a form without the
session's CSRF token before anything runs; only the sign-in button (whose link is its own
secret) is exempt. A page that forgot ``console_page`` fails here."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.routing import Route

from bot.console.app import build_console
from bot.wiring import Services
from tests.console.conftest import ConsoleClient

EXEMPT = {"/console/signin/{token}"}


def post_paths(services: Services) -> list[str]:
    app = build_console(services)
    found = [route.path for route in app.routes
             if isinstance(route, Route) and "POST" in (route.methods or set())]
    assert len(found) >= 3  # the sign-in, the sign-out and the language at least
    return [path for path in found if path not in EXEMPT]


def filled(path: str) -> str:
    """A concrete address for a route path: every parameter given a plausible value."""
    return re.sub(r"\{(\w+)(:int)?[^}]*\}", lambda m: "1" if m.group(2) else "x", path)


def test_every_post_without_the_token_is_refused(
        console_services: Services, console_client: Callable[..., ConsoleClient]) -> None:
    client = console_client()
    before = len(console_services.storage.audit.entries())
    for path in post_paths(console_services):
        for form in ({}, {"csrf": "forged"}):
            response = client.post(filled(path), data=form, follow_redirects=False)
            assert response.status_code == 403, (path, form, response.status_code)
            assert "This form has expired" in response.text, path
    assert len(console_services.storage.audit.entries()) == before  # nothing was done
    assert client.get("/console/").status_code == 200  # and the session still works
