"""Signing in through the console listener's own app (``bot.http.private``, as ``intake run``
serves it, the console mounted beside /metrics and /healthz): the link works once there too,
and / leads to the console."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.console.app import build_console
from bot.http.health import Health
from bot.http.private import private_app
from bot.wiring import Services
from tests.console.conftest import enrol, sign_in_service


def test_the_mounted_console_signs_in_once(console_services: Services) -> None:
    console = build_console(console_services)
    metrics = None  # this test reads no figures; /metrics is the HOST helper's to test
    app = private_app(Health(lambda: None), metrics, console)  # type: ignore[arg-type]
    url = sign_in_service(console).issue(enrol(console_services), by="cli").url
    link = url[url.index("/console/"):]
    with TestClient(app, base_url="https://testserver") as browser:
        assert browser.get("/", follow_redirects=False).headers["location"] == "/console/"
        assert browser.get("/console/").status_code == 401
        assert browser.get(link).status_code == 200
        signed = browser.post(link, follow_redirects=False)
        assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()
        assert browser.get("/console/").status_code == 200
        assert browser.post(link, follow_redirects=False).status_code == 403
        assert browser.get("/console/static/console.css").status_code == 200
