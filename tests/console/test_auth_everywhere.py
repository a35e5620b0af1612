"""Every address of the console, whatever page added it, needs a coordinator's session
(401 without one, for a referrer's or focal point's too), and every POST refuses a form
without the session's CSRF token before anything runs. Only the sign-in pages are open (a
link is its own secret). A page that forgot ``console_page`` fails here."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.routing import Route

from bot.console.app import build_console
from bot.wiring import Services
from tests.console.conftest import ConsoleClient

EXEMPT = {"/console/signin/{token}"}
#: Open to anyone: what a signed-out browser must reach.
OPEN = {"/console/signin/{token}", "/console/signed-out", "/console"}


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


def get_paths(services: Services) -> list[str]:
    app = build_console(services)
    return [route.path for route in app.routes
            if isinstance(route, Route) and "GET" in (route.methods or set())
            and route.path not in OPEN]


def test_every_page_needs_a_coordinators_session(
        console_services: Services, console_client: Callable[..., ConsoleClient]) -> None:
    paths = get_paths(console_services)
    assert "/console/" in paths and len(paths) >= 2
    anonymous = console_client()
    anonymous.cookies.clear()
    for client in (anonymous, console_client(role="referrer"),
                   console_client(role="focal_point")):
        for path in paths:
            for method in ("GET", "POST"):
                response = client.request(method, filled(path), follow_redirects=False)
                assert response.status_code in (401, 405), (method, path)
                if response.status_code == 401:
                    assert "Please sign in" in response.text
