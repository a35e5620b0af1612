"""Signing in to the console by a one-time link, sessions, CSRF and sign-out."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from bot.console.app import build_console
from bot.wiring import Services
from tests.console.conftest import ConsoleClient, enrol, sign_in_service


def _path(url: str) -> str:
    return url[url.index("/console/"):]


def test_a_link_signs_a_coordinator_in_once(console_services: Services) -> None:
    app = build_console(console_services)
    staff_id = enrol(console_services, "coordinator")
    link = _path(sign_in_service(app).issue(staff_id, by="cli").url)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get(link).status_code == 200
        signed = client.post(link, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/console/"
        assert client.get("/console/").status_code == 200
        assert client.post(link).status_code == 403


def test_a_page_needs_a_session(console_client: Callable[..., ConsoleClient]) -> None:
    client = console_client()
    assert client.get("/console/").status_code == 200
    client.cookies.clear()
    assert client.get("/console/").status_code == 401
