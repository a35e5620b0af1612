"""Signing in to the console: a one-time link that a GET cannot spend, sessions that end on
revocation and after eight idle hours, CSRF-checked forms, cookie flags, sign-out."""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.console.access import ConsoleUser, audit_action, console_page
from bot.console.app import build_console
from bot.console.sessions import IDLE, LINK_MINUTES, ConsoleSignIn, SignInRefused
from bot.wiring import Services
from storage.clock import FixedClock
from storage.console import SqlConsoleStore
from storage.models import ConsoleLink, ConsoleSession
from tests.console.conftest import ConsoleClient, enrol, sign_in_service

Client = Callable[..., ConsoleClient]


@pytest.fixture
def app(console_services: Services) -> object:
    return build_console(console_services)


@pytest.fixture
def browser(app: object) -> Iterator[TestClient]:
    """A client with no session, as a browser opening a link."""
    with TestClient(app, base_url="https://testserver") as client:  # type: ignore[arg-type]
        yield client


def link_path(app: object, staff_id: int) -> str:
    url = sign_in_service(app).issue(staff_id, by="cli").url
    return url[url.index("/console/"):]


def actions(services: Services, actor: str) -> list[str]:
    return [action for _, who, action, _ in services.storage.audit.entries() if who == actor]


def test_a_link_signs_a_coordinator_in_once(console_services: Services, app: object,
                                            browser: TestClient) -> None:
    staff_id = enrol(console_services, "coordinator")
    link = link_path(app, staff_id)
    page = browser.get(link)
    assert page.status_code == 200
    assert re.search(rf'<form method="post" action="{re.escape(link)}">', page.text)
    signed = browser.post(link, follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/console/")
    assert browser.get("/console/").status_code == 200
    assert actions(console_services, f"staff:{staff_id}") == ["console_sign_in"]


def test_a_used_link_is_refused_to_anyone(console_services: Services, app: object,
                                          browser: TestClient) -> None:
    link = link_path(app, enrol(console_services, "coordinator"))
    assert browser.post(link, follow_redirects=False).status_code == 303
    with TestClient(app, base_url="https://testserver") as other:  # type: ignore[arg-type]
        for response in (other.get(link), other.post(link, follow_redirects=False)):
            assert response.status_code == 403
            assert "This sign-in link cannot be used" in response.text
            assert "set-cookie" not in response.headers
        assert other.get("/console/").status_code == 401


def test_opening_the_link_spends_nothing(console_services: Services, app: object,
                                         browser: TestClient) -> None:
    """A link preview or a mail scanner fetching the page leaves the link usable."""
    link = link_path(app, enrol(console_services, "coordinator"))
    for _ in range(3):
        assert browser.get(link).status_code == 200
    assert browser.get("/console/").status_code == 401  # looking signs no one in
    assert browser.post(link, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("minutes", "works"), [(LINK_MINUTES - 0.1, True),
                                                 (LINK_MINUTES, False), (60 * 24, False)])
def test_a_link_works_for_ten_minutes(console_services: Services, app: object,
                                      browser: TestClient, console_clock: FixedClock,
                                      minutes: float, works: bool) -> None:
    link = link_path(app, enrol(console_services, "coordinator"))
    console_clock.advance(minutes=minutes)
    assert browser.get(link).status_code == (200 if works else 403)
    signed = browser.post(link, follow_redirects=False)
    assert signed.status_code == (303 if works else 403)
    if not works:
        assert "older than ten minutes" in signed.text


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "../../etc", "%00", "é" * 10])
def test_an_unknown_link_is_refused(browser: TestClient, token: str) -> None:
    for response in (browser.get(f"/console/signin/{token}"),
                     browser.post(f"/console/signin/{token}", follow_redirects=False)):
        assert response.status_code in (403, 404, 405)
        assert "set-cookie" not in response.headers


def test_only_the_tokens_hash_is_stored(console_services: Services, app: object,
                                        browser: TestClient) -> None:
    link = link_path(app, enrol(console_services, "coordinator"))
    token = link.rsplit("/", 1)[1]
    cookie = browser.post(link, follow_redirects=False).cookies["intake_console"]
    session_id = cookie.split(".")[0]
    with console_services.storage.context.reading() as db:
        [stored_link] = db.scalars(select(ConsoleLink)).all()
        [stored_session] = db.scalars(select(ConsoleSession)).all()
    assert stored_link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored_session.session_hash == hashlib.sha256(session_id.encode()).hexdigest()
    database = console_services.settings.database_url.removeprefix("sqlite:///")
    raw = open(database, "rb").read()  # noqa: SIM115
    assert token.encode() not in raw and session_id.encode() not in raw


@pytest.mark.parametrize("role", ["referrer", "focal_point"])
def test_no_link_is_made_for_a_referrer_or_focal_point(console_services: Services, app: object,
                                                        role: str) -> None:
    staff_id = enrol(console_services, role)
    with pytest.raises(SignInRefused) as refused:
        sign_in_service(app).issue(staff_id, by="cli")
    assert refused.value.reason == "role"


@pytest.mark.parametrize("role", ["referrer", "focal_point"])
def test_a_referrers_or_focal_points_link_is_refused(
        console_services: Services, app: object, browser: TestClient, role: str) -> None:
    """A link that exists for someone who is not a coordinator (their role changed after
    it was made) opens nothing."""
    staff_id = enrol(console_services, role)
    token = "t" * 43
    SqlConsoleStore(console_services.storage.context).add_link(
        hashlib.sha256(token.encode()).hexdigest(), staff_id, console_services.clock.now(),
        console_services.clock.now() + timedelta(minutes=LINK_MINUTES))
    link = f"/console/signin/{token}"
    page = browser.get(link)
    assert page.status_code == 403 and "The console is for coordinators" in page.text
    refused = browser.post(link, follow_redirects=False)
    assert refused.status_code == 403 and "Referrers and focal points" in refused.text
    assert "set-cookie" not in refused.headers
    assert browser.get("/console/").status_code == 401
    assert actions(console_services, f"staff:{staff_id}") == ["console_refused"]


def test_a_revoked_coordinators_link_is_refused(console_services: Services, app: object,
                                                browser: TestClient) -> None:
    staff_id = enrol(console_services, "coordinator")
    link = link_path(app, staff_id)
    console_services.storage.staff.set_active(staff_id, False, console_services.clock.now())
    assert browser.post(link, follow_redirects=False).status_code == 403


@pytest.mark.parametrize(("role", "status"), [("coordinator", 200), ("referrer", 401),
                                              ("focal_point", 401)])
def test_only_a_coordinators_session_opens_a_page(console_client: Client, role: str,
                                                  status: int) -> None:
    assert console_client(role=role).get("/console/").status_code == status


def test_revoking_a_member_ends_their_session_at_once(console_services: Services,
                                                      console_client: Client) -> None:
    client = console_client()
    other = console_client()
    assert client.get("/console/").status_code == 200
    console_services.storage.staff.set_active(client.staff_id, False,
                                              console_services.clock.now())
    assert client.get("/console/").status_code == 401
    assert SqlConsoleStore(console_services.storage.context).sessions_of(client.staff_id) == 0
    assert other.get("/console/").status_code == 200


def test_intake_staff_revoke_ends_the_sessions_for_good(console_services: Services,
                                                         console_client: Client) -> None:
    """Revoked by the command, then enrolled again: the old session stays ended."""
    from bot.cli.staff import run_revoke

    client = console_client()
    telegram_id = console_services.storage.staff.telegram_id(client.staff_id)
    assert run_revoke(argparse.Namespace(id=client.staff_id), console_services.settings) == 0
    console_services.storage.staff.enrol(telegram_id, "coordinator", agency=None, hub=None,
                                         language="en", at=console_services.clock.now())
    assert console_services.storage.staff.get(client.staff_id).active
    assert client.get("/console/").status_code == 401


def test_a_session_ends_after_eight_idle_hours(console_client: Client,
                                               console_clock: FixedClock) -> None:
    client = console_client()
    almost = IDLE - timedelta(minutes=1)
    for _ in range(3):  # each request starts the idle time again
        console_clock.advance(seconds=almost.total_seconds())
        assert client.get("/console/").status_code == 200
    console_clock.advance(hours=8)
    assert client.get("/console/").status_code == 401
    console_clock.advance(minutes=-1)  # it does not come back either
    assert client.get("/console/").status_code == 401


def test_the_session_cookie_is_signed_httponly_strict_and_secure(
        console_services: Services, app: object, browser: TestClient) -> None:
    link = link_path(app, enrol(console_services, "coordinator"))
    header = browser.post(link, follow_redirects=False).headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert {"httponly", "secure", "samesite", "path"} <= set(flags)
    assert flags["samesite"].lower() == "samesite=strict" and flags["path"] == "Path=/console"
    cookie = browser.cookies["intake_console"]
    session_id, signature = cookie.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{session_id}.{flipped}", session_id, f"{session_id}.", "x.y.z", ""):
        browser.cookies.set("intake_console", forged, domain="testserver.local",
                            path="/console")
        assert browser.get("/console/").status_code == 401, forged


def test_the_cookie_is_not_secure_over_plain_http(tmp_path: object) -> None:
    from dataclasses import replace
    from pathlib import Path

    from tests.console.conftest import make_services

    services = make_services(Path(str(tmp_path)))
    if hasattr(services.settings, "public_url"):
        services.settings = replace(services.settings,
                                    public_url="http://127.0.0.1:8081")  # type: ignore[call-arg]
    app = build_console(services)
    sign_in_service(app).base_url = "http://127.0.0.1:8081"
    link = link_path(app, enrol(services, "coordinator"))
    with TestClient(app, base_url="http://testserver") as client:
        header = client.post(link, follow_redirects=False).headers["set-cookie"]
    assert "httponly" in header.lower() and "secure" not in header.lower()
    services.storage.close()


def test_a_form_without_its_csrf_token_is_refused(console_client: Client) -> None:
    client = console_client()
    other = console_client()
    for form in ({"lang": "ar"}, {"lang": "ar", "csrf": ""}, {"lang": "ar", "csrf": "x"},
                 {"lang": "ar", "csrf": other.csrf}, {"lang": "ar", "csrf": client.csrf + "x"},
                 {"lang": "ar", "csrf": "é" * 43}):
        refused = client.post("/console/language", data=form, follow_redirects=False)
        assert refused.status_code == 403 and "This form has expired" in refused.text, form
        assert "intake_console_lang" not in refused.cookies
    done = client.post("/console/language", data={"lang": "ar", "csrf": client.csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.cookies["intake_console_lang"] == "ar"


def test_sign_out_needs_the_token_and_ends_the_session(console_services: Services,
                                                       console_client: Client) -> None:
    client = console_client()
    assert client.post("/console/signout", follow_redirects=False).status_code == 403
    assert client.get("/console/").status_code == 200
    out = client.post("/console/signout", data={"csrf": client.csrf}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/console/signed-out")
    assert 'intake_console=""' in out.headers["set-cookie"]
    assert client.get("/console/signed-out").status_code == 200
    assert actions(console_services, f"staff:{client.staff_id}") == ["console_sign_out"]
    cookie = client.cookies.get("intake_console")
    assert cookie is None or client.get("/console/").status_code == 401


def test_a_stolen_cookie_is_useless_after_sign_out(console_client: Client) -> None:
    client = console_client()
    cookie = client.cookies["intake_console"]
    client.post("/console/signout", data={"csrf": client.csrf}, follow_redirects=False)
    client.cookies.set("intake_console", cookie, domain="testserver.local", path="/console")
    assert client.get("/console/").status_code == 401


@pytest.fixture
def guarded(app: object) -> object:
    """Two pages for the decorator's checks: one for everyone, one national only."""

    @console_page()
    async def anyone(request: Request, user: ConsoleUser) -> Response:
        if request.method == "POST":
            audit_action(request, user, "test_action", subject="flow:gbv")
        return PlainTextResponse(f"{user.staff_id} {user.hub} {user.national}")

    @console_page(national_only=True)
    async def national(request: Request, user: ConsoleUser) -> Response:
        return PlainTextResponse("published")

    app.router.routes.insert(0, Route("/console/t/anyone", anyone,  # type: ignore[attr-defined]
                                      methods=["GET", "POST"]))
    app.router.routes.insert(0, Route("/console/t/national",  # type: ignore[attr-defined]
                                      national, methods=["GET", "POST"]))
    return app


def test_a_hub_coordinator_sees_their_hub_and_a_national_one_all(
        console_services: Services, guarded: object) -> None:
    sign_in = sign_in_service(guarded)
    for hub, national in (("gaziantep", False), (None, True)):
        staff_id = enrol(console_services, "coordinator", hub=hub)
        with TestClient(guarded, base_url="https://testserver") as client:  # type: ignore[arg-type]
            client.cookies.set("intake_console", sign_in.open_session(staff_id),
                               domain="testserver.local", path="/console")
            assert client.get("/console/t/anyone").text == f"{staff_id} {hub} {national}"
            page = client.get("/console/t/national")
            assert page.status_code == (200 if national else 403)
            if not national:
                assert "National coordinators only" in page.text


def test_the_csrf_check_comes_before_the_page(console_services: Services, guarded: object,
                                              console_client: Client) -> None:
    client = ConsoleClient(guarded, base_url="https://testserver")  # type: ignore[arg-type]
    staff_id = enrol(console_services, "coordinator")
    sign_in: ConsoleSignIn = sign_in_service(guarded)
    cookie = sign_in.open_session(staff_id)
    client.cookies.set("intake_console", cookie, domain="testserver.local", path="/console")
    assert client.post("/console/t/anyone", data={}).status_code == 403
    assert client.post("/console/t/anyone", data={"csrf": "nope"}).status_code == 403
    assert "test_action" not in actions(console_services, f"staff:{staff_id}")
    done = client.post("/console/t/anyone", data={"csrf": sign_in.csrf(cookie) or ""})
    assert done.status_code == 200
    [(_, actor, _action, code)] = [entry for entry in console_services.storage.audit.entries()
                                  if entry[2] == "test_action"]
    assert (actor, code) == (f"staff:{staff_id}", None)
    client.close()


def test_no_session_gets_the_sign_in_page(browser: TestClient) -> None:
    page = browser.get("/console/")
    assert page.status_code == 401 and "Send /console to the bot" in page.text
    assert browser.get("/console", follow_redirects=False).headers["location"] == "/console/"


def test_an_arabic_coordinator_gets_right_to_left_pages(console_client: Client) -> None:
    client = console_client(language="ar")
    page = client.get("/console/")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert page.headers["content-language"] == "ar"
    back = client.post("/console/language", data={"lang": "en", "csrf": client.csrf,
                                                  "next": "/console/"})
    assert '<html lang="en" dir="ltr">' in back.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/elsewhere"])
def test_the_language_form_only_returns_inside_the_console(console_client: Client,
                                                           target: str) -> None:
    client = console_client()
    moved = client.post("/console/language", data={"lang": "tr", "csrf": client.csrf,
                                                   "next": target}, follow_redirects=False)
    assert moved.headers["location"] == "/console/"


def test_every_response_carries_the_security_headers(console_client: Client) -> None:
    page = console_client().get("/console/")
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    css = console_client().get("/console/static/console.css")
    assert css.status_code == 200 and "cache-control" not in css.headers


def test_the_header_names_the_coordinators_scope(console_services: Services,
                                                 console_client: Client) -> None:
    hub = console_services.directory.hubs["gaziantep"]
    page = console_client(hub="gaziantep").get("/console/")
    assert f"Coordinator, hub {hub.name('en')}" in page.text
    assert "National coordinator" in console_client().get("/console/").text


def test_an_unknown_address_is_a_page_in_the_frame(console_client: Client,
                                                    browser: TestClient) -> None:
    signed_in = console_client().get("/console/no-such-page")
    assert signed_in.status_code == 404 and "Page not found" in signed_in.text
    assert 'aria-label="Console pages"' in signed_in.text
    anonymous = browser.get("/console/no-such-page")
    assert anonymous.status_code == 404 and 'aria-label="Console pages"' not in anonymous.text
    assert browser.get("/console/static/no-such.css").status_code == 404


@pytest.mark.parametrize(("origin", "signed_in"), [
    ("https://evil.example", False), ("null", False), ("https://testserver.evil", False),
    ("https://testserver", True), ("https://console.example.org", True), (None, True)])
def test_a_sign_in_posted_from_another_site_is_refused(
        console_services: Services, app: object, browser: TestClient, origin: str | None,
        signed_in: bool) -> None:
    link = link_path(app, enrol(console_services, "coordinator"))
    headers = {"origin": origin} if origin is not None else {}
    response = browser.post(link, headers=headers, follow_redirects=False)
    assert response.status_code == (303 if signed_in else 403)
    if not signed_in:
        assert "sent from another website" in response.text
        assert browser.post(link, follow_redirects=False).status_code == 303  # still usable


def test_signing_in_again_ends_the_browsers_previous_session(
        console_services: Services, app: object, browser: TestClient) -> None:
    staff_id = enrol(console_services, "coordinator")
    browser.post(link_path(app, staff_id), follow_redirects=False)
    first = browser.cookies["intake_console"]
    browser.post(link_path(app, staff_id), follow_redirects=False)
    assert browser.cookies["intake_console"] != first
    assert SqlConsoleStore(console_services.storage.context).sessions_of(staff_id) == 1


def test_an_unreadable_form_is_refused_in_the_frame(console_services: Services,
                                                    console_client: Client) -> None:
    client = console_client()
    huge = client.post("/console/language",
                       data={"csrf": client.csrf, "lang": "ar", "note": "x" * 1_100_000},
                       files={"upload": ("a.txt", b"x")}, follow_redirects=False)
    assert huge.status_code == 400 and "The form could not be read" in huge.text
    assert 'aria-label="Console pages"' in huge.text
    assert "intake_console_lang" not in huge.cookies
