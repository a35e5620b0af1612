"""Signing in to the console in a real Chromium: a link signs in once and is refused when
used again, the keyboard reaches a visible skip link first, Arabic pages are right to left,
and signing out ends the session. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import LiveConsole, enrol

Shoot = Callable[[Any, str], Path]


def test_sign_in_by_link_then_the_link_is_spent(browser_page: Any, live_console: LiveConsole,
                                                shoot: Shoot) -> None:
    page = browser_page
    link = live_console.link(enrol(live_console.services, "coordinator", label="Hub lead"))
    page.goto(link)
    assert page.locator("h1").inner_text() == "Sign in to the console"
    shoot(page, "signin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    assert page.get_by_role("navigation", name="Console pages").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    shoot(page, "signin_done")
    page.goto(link)  # the same link once more, in the signed-in browser
    assert page.locator("h1").inner_text() == "This sign-in link cannot be used"
    shoot(page, "signin_reused")


def test_a_reused_link_does_not_sign_in_another_browser(browser_page: Any,
                                                        live_console: LiveConsole) -> None:
    page = browser_page
    link = live_console.link(enrol(live_console.services, "coordinator"))
    page.goto(link)
    form_action = page.locator("main form").get_attribute("action")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    page.context.clear_cookies()
    page.goto(link)
    assert page.get_by_role("button", name="Sign in").count() == 0
    # Posting the spent link's form by hand (as a second browser would) is refused too.
    status = page.evaluate("""async (action) => (await fetch(action, {method: 'POST'})).status""",
                           form_action)
    assert status == 403
    page.goto("/console/")
    assert page.locator("h1").inner_text() == "Please sign in"


def test_a_focal_points_attempt_shows_a_clear_page(browser_page: Any,
                                                   live_console: LiveConsole,
                                                   shoot: Shoot) -> None:
    page = browser_page
    staff_id = enrol(live_console.services, "coordinator")
    link = live_console.link(staff_id)
    services = live_console.services
    telegram_id = services.storage.staff.telegram_id(staff_id)  # now made a focal point
    services.storage.staff.enrol(telegram_id, "focal_point", agency="example_relief",
                                 hub=None, language="en", at=services.clock.now())
    page.goto(link)
    assert page.locator("h1").inner_text() == "The console is for coordinators"
    shoot(page, "signin_refused_focal_point")


def test_the_keyboard_reaches_a_visible_skip_link_first(browser_page: Any,
                                                        browser_sign_in: Callable[..., int],
                                                        shoot: Shoot) -> None:
    page = browser_page
    browser_sign_in(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0  # moved into view when focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    shoot(page, "keyboard_skip_link")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_arabic_pages_are_right_to_left(browser_page: Any, live_console: LiveConsole,
                                        browser_sign_in: Callable[..., int],
                                        shoot: Shoot) -> None:
    page = browser_page
    staff_id = enrol(live_console.services, "coordinator", hub="gaziantep", language="ar")
    page.goto(live_console.link(staff_id))
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    shoot(page, "signin_ar")
    page.locator("main form button").click()
    page.wait_for_url("**/console/")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    nav = page.get_by_role("navigation")
    first, last = nav.locator("li").first.bounding_box(), nav.locator("li").last.bounding_box()
    assert first is not None and last is not None and first["x"] > last["x"]  # starts right
    shoot(page, "home_ar")
    language = live_console.services.texts.gettext("ar", "Language")
    page.get_by_label(language, exact=True).select_option("en")
    page.locator(".language-form button").click()
    page.wait_for_url("**/console/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"


def test_sign_out_ends_the_session(browser_page: Any, browser_sign_in: Callable[..., int],
                                   shoot: Shoot) -> None:
    page = browser_page
    browser_sign_in(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/signed-out")
    assert page.locator("h1").inner_text() == "You are signed out"
    shoot(page, "signed_out")
    page.goto("/console/")
    assert page.locator("h1").inner_text() == "Please sign in"


def test_without_a_browser_ci_fails_and_elsewhere_skips_loudly(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.console import conftest

    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="NO BROWSER"):
        conftest._need_chromium()
    monkeypatch.delenv("CI")
    with pytest.warns(UserWarning, match="did NOT run"), \
            pytest.raises(pytest.skip.Exception, match="NO BROWSER"):
        conftest._need_chromium()
