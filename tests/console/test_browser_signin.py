"""Signing in to the console in a real Chromium: the link works once, Arabic is right to left."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.console.conftest import LiveConsole, enrol


def test_sign_in_by_link_then_the_link_is_spent(
        browser_page: Any, live_console: LiveConsole, shoot: Callable[[Any, str], Path]) -> None:
    page = browser_page
    staff_id = enrol(live_console.services, "coordinator")
    link = live_console.link(staff_id)
    page.goto(link)
    shoot(page, "signin")
    page.locator("main form button").click()
    page.wait_for_url("**/console/")
    assert page.locator("nav[aria-label]").is_visible()
    shoot(page, "signed_in")
    page.goto(link)
    assert "cannot be used" in page.locator("h1").inner_text()
    shoot(page, "signin_reused")
