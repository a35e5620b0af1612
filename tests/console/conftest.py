"""Fixtures for the console's tests: services on a real SQLite file, signed-in TestClients,
and a real Chromium (Debian's, driven by Playwright) on a live server of the console.

``console_services``: migrated, the bundled flows published, the sample directory loaded,
a :class:`FixedClock` (``console_services.clock.advance(hours=1)``).
``console_client(role="coordinator", hub=None, language="en")``: a signed-in
:class:`ConsoleClient` (a TestClient over https); ``client.csrf`` is its form token and
``client.staff_id`` its member. ``csrf_of(client)`` gives the token too.
``browser_page``: a Playwright page whose base URL is the live console (``page.goto(
"/console/")``); ``browser_sign_in(page, hub=None, language="en")`` signs it in through a real
one-time link. ``shoot(page, name)`` saves a full-page screenshot to
``artifacts/screenshots/NAME.png``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from starlette.testclient import TestClient

from bot.console.app import build_console
from bot.console.sessions import ConsoleSignIn
from bot.directory.loader import load_directory
from bot.directory.rows import directory_rows
from bot.wiring import Services, build_services
from storage.clock import FixedClock
from storage.directory import SqlDirectoryStore
from storage.migrate import upgrade
from storage.stores import Storage
from tests.telegram.harness import START, settings_for

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
#: The public address the test console pretends to have (links are built on it).
PUBLIC_URL = "https://console.example.org"


class ConsoleClient(TestClient):
    """A TestClient signed in as one staff member."""

    staff_id: int = 0
    csrf: str = ""


def make_services(tmp: Path, public_url: str | None = PUBLIC_URL) -> Services:
    settings = settings_for(tmp)
    if public_url is not None and hasattr(settings, "public_url"):
        settings = replace(settings, public_url=public_url)  # type: ignore[call-arg]
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)
    with storage.unit():
        SqlDirectoryStore(storage.context).replace(directory_rows(
            load_directory(settings.directory)))
    services = build_services(settings, storage, clock=FixedClock(START))
    return services


def sign_in_service(app: Any) -> ConsoleSignIn:
    return cast(ConsoleSignIn, app.state.sign_in)


def enrol(services: Services, role: str = "coordinator", hub: str | None = None,
          language: str = "en", agency: str | None = None, label: str | None = None) -> int:
    """A new staff member (a fresh Telegram id each time)."""
    enrol.count += 1  # type: ignore[attr-defined]
    if role == "focal_point" and agency is None:
        agency = next(iter(services.directory.agencies))
    return services.storage.staff.enrol(
        7_000_000 + enrol.count, role, agency=agency, hub=hub,  # type: ignore[arg-type,attr-defined]
        language=language, at=services.clock.now(), label=label)


enrol.count = 0  # type: ignore[attr-defined]


@pytest.fixture
def console_services(tmp_path: Path) -> Iterator[Services]:
    services = make_services(tmp_path)
    yield services
    services.storage.close()


@pytest.fixture
def console_clock(console_services: Services) -> FixedClock:
    return cast(FixedClock, console_services.clock)


@pytest.fixture
def console_client(console_services: Services) -> Iterator[Callable[..., ConsoleClient]]:
    """``console_client(role="coordinator", hub=None, language="en")``: a client signed in
    through a session opened directly in the session store (sign-in itself is tested in
    ``test_auth``)."""
    app = build_console(console_services)
    clients: list[ConsoleClient] = []

    def make(role: str = "coordinator", hub: str | None = None, language: str = "en",
             label: str | None = None) -> ConsoleClient:
        staff_id = enrol(console_services, role, hub, language, label=label)
        client = ConsoleClient(app, base_url="https://testserver")
        sign_in = sign_in_service(app)
        cookie = sign_in.open_session(staff_id)
        client.cookies.set("intake_console", cookie, domain="testserver.local", path="/console")
        client.staff_id = staff_id
        client.csrf = sign_in.csrf(cookie) or ""
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def csrf_of() -> Callable[[ConsoleClient], str]:
    return lambda client: client.csrf


# -- a real browser --------------------------------------------------------------------

class LiveConsole:
    """The console served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, services: Services) -> None:
        import uvicorn

        self.services = services
        self.app = build_console(services)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        # Links point at this server, and cookies are not Secure over its plain HTTP.
        sign_in_service(self.app).base_url = self.url
        if hasattr(services.settings, "public_url"):
            services.settings = replace(services.settings,
                                        public_url=self.url)  # type: ignore[call-arg]

    def __enter__(self) -> LiveConsole:
        self.thread.start()
        for _ in range(500):  # up to ten seconds for the socket to listen
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("the console server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def link(self, staff_id: int) -> str:
        """A real one-time sign-in link, pointing at this server."""
        url = sign_in_service(self.app).issue(staff_id, by="cli").url
        return url


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (f"NO BROWSER at {CHROMIUM}: the console's browser tests did NOT run "
               "(install Debian's chromium package)")
    if os.environ.get("CI"):
        pytest.fail(message)
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


@pytest.fixture
def live_console(console_services: Services) -> Iterator[LiveConsole]:
    with LiveConsole(console_services) as live:
        yield live


@pytest.fixture
def browser_page(live_console: LiveConsole) -> Iterator[Any]:
    """A Playwright page (``playwright.sync_api.Page``) with the live console as base URL."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps"])
        context = browser.new_context(base_url=live_console.url,
                                      viewport={"width": 1200, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_sign_in(live_console: LiveConsole) -> Callable[..., int]:
    """``browser_sign_in(page, hub=None, language="en")``: enrol a coordinator and sign the
    page in by opening a one-time link and pressing its button; their staff id."""

    def sign_in(page: Any, hub: str | None = None, language: str = "en",
                label: str | None = None) -> int:
        staff_id = enrol(live_console.services, "coordinator", hub, language, label=label)
        page.goto(live_console.link(staff_id))
        page.locator("main form button").click()
        page.wait_for_url("**/console/")
        return staff_id

    return sign_in


@pytest.fixture
def shoot() -> Callable[[Any, str], Path]:
    def save(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
