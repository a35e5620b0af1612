"""The Overview and Referrals pages in a real Chromium: charts drawn from seeded referrals
(their bars and hidden marks visible), the period chosen from the selector, the Arabic page
laid out right to left; each page's screenshot saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.wiring import Services
from tests.console.conftest import LiveConsole
from tests.console.test_overview import add

Shoot = Callable[[Any, str], Path]


def seed(services: Services) -> None:
    add(services, "gaziantep", "example_health", 2, times=5)
    add(services, "gaziantep", "example_health", 6, times=5)
    add(services, "gaziantep", "example_law", None, times=6, case_type="legal")
    add(services, "hatay", "example_law", None, times=6, case_type="legal")
    add(services, "hatay", "example_health", 1, times=12)
    add(services, "sanliurfa", "example_children", 3, times=7, case_type="child_protection")
    add(services, "kilis", "example_solidarity", 1, risk="low")


def test_the_overview_draws_charts_from_seeded_referrals(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Shoot) -> None:
    seed(live_console.services)
    page = browser_page
    browser_sign_in(page)
    page.select_option("#period", "2026-10")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/console/?period=2026-10")
    charts = page.locator(".chart svg")
    assert charts.count() >= 10
    first = charts.first
    assert first.is_visible()
    box = first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80
    # Referrals per hub: Hatay's and Sanliurfa's bars drawn, Gaziantep's and Kilis's hidden
    assert first.locator("rect").count() == 2
    assert first.locator("text", has_text="x").count() == 2
    assert page.locator(".tile dd").first.inner_text() == "42"
    page.locator(".chart summary").first.click()
    assert page.locator(".chart table").first.is_visible()
    shoot(page, "overview")


def test_the_arabic_overview_is_right_to_left(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Shoot) -> None:
    seed(live_console.services)
    page = browser_page
    browser_sign_in(page, language="ar")
    page.goto("/console/?period=2026-Q4")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".chart svg").count() >= 10
    heading = page.locator("h1").bounding_box()
    assert heading is not None and heading["x"] + heading["width"] > 1000  # on the right
    shoot(page, "overview_ar")


def test_a_hub_coordinator_sees_their_hub_only(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Shoot) -> None:
    seed(live_console.services)
    page = browser_page
    browser_sign_in(page, hub="hatay", language="tr")
    page.goto("/console/?period=2026-10")
    assert page.locator(".charts").count() == 2  # by agency and by month: no by-hub charts
    assert page.locator(".tile dd").first.inner_text() == "18"
    assert page.locator(".chart svg rect").count() >= 3
    shoot(page, "overview_hub_tr")


def test_the_referrals_page_in_the_browser(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Shoot) -> None:
    seed(live_console.services)
    page = browser_page
    browser_sign_in(page)
    page.goto("/console/referrals")
    assert page.locator("table.referrals tbody tr").count() == 42
    page.check("#overdue")
    page.select_option("#hub", "hatay")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console/referrals?*")
    assert page.locator("table.referrals tbody tr").count() == 6  # Hatay's six legal waiting
    shoot(page, "referrals")
    page.goto("/console/referrals?hub=gaziantep")
    shoot(page, "referrals_gaziantep")


def test_the_arabic_referrals_page(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Shoot) -> None:
    seed(live_console.services)
    page = browser_page
    browser_sign_in(page, language="ar", hub="hatay")
    page.goto("/console/referrals")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("table.referrals tbody tr").count() == 18
    shoot(page, "referrals_ar")
