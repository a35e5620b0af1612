"""The translations, directory, staff and audit pages in a real Chromium: a national
coordinator invites a focal point (QR code shown), revokes a member after confirming, checks
and loads a service matrix, is refused a broken PO file with its problems, and finds it all
in the audit trail; the Arabic pages are right to left."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.console.conftest import LiveConsole, enrol

MATRIX = "Organization,Girls,Women\nexample_health,1. Medical,2. Medical\n"


def test_a_national_coordinator_goes_through_every_admin_page(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Callable[[Any, str], Path], tmp_path: Path) -> None:
    page = browser_page
    services = live_console.services
    services.settings = dataclasses.replace(services.settings, bot_username="intake_test_bot")
    member = enrol(services, "referrer", "kilis", label="Outreach volunteer, Kilis")
    me = browser_sign_in(page, label="National protection coordinator")

    page.goto("/console/staff")
    page.select_option("#invite-role", "focal_point")
    page.select_option("#invite-agency", "example_health")
    page.select_option("#invite-hub", "kilis")
    page.fill("#invite-label", "Case worker, Kilis")
    page.get_by_role("button", name="Create invitation").click()
    assert page.locator("h1").inner_text() == "Invitation created"
    assert page.locator("#invite-code").input_value().startswith("/start ")
    assert page.locator("figure.qr svg").is_visible()
    shoot(page, "admin_staff_invited")
    page.goto("/console/staff")
    shoot(page, "admin_staff")
    page.get_by_role("link", name=f"Revoke staff member {member}").click()
    shoot(page, "admin_staff_revoke")
    page.get_by_role("button", name="Revoke", exact=True).click()
    assert page.locator(".message.ok").inner_text() == f"Staff member {member} was revoked."
    assert not services.storage.staff.get(member).active

    page.goto("/console/directory")
    shoot(page, "admin_directory")
    matrix = tmp_path / "matrix.csv"
    matrix.write_text(MATRIX, encoding="utf-8")
    page.set_input_files("#directory-file", str(matrix))
    page.get_by_role("button", name="Check the file").click()
    shoot(page, "admin_directory_check")
    page.get_by_role("button", name="Load into the database").click()
    assert "was loaded into the database" in page.locator(".message.ok").inner_text()

    page.goto("/console/translations")
    broken = tmp_path / "tr.po"
    broken.write_text('msgid "Done"\nmsgstr "Tamam"\nmsgid "Where?"\n', encoding="utf-8")
    page.select_option("#po-lang", "tr")
    page.set_input_files("#po-file", str(broken))
    page.get_by_role("button", name="Check and accept").click()
    assert "line 3: missing msgstr for msgid 'Where?'" in page.locator(".problems").inner_text()
    shoot(page, "admin_translations_refused")
    page.goto("/console/translations")
    shoot(page, "admin_translations")

    page.goto(f"/console/audit?actor=staff:{me}")
    actions = page.locator("table.audit tbody tr td:nth-child(3)").all_inner_texts()
    assert {"invite", "revoke", "directory_load"} <= set(actions)
    shoot(page, "admin_audit")


def test_the_admin_pages_are_right_to_left_in_arabic(
        browser_page: Any, live_console: LiveConsole, browser_sign_in: Callable[..., int],
        shoot: Callable[[Any, str], Path]) -> None:
    page = browser_page
    enrol(live_console.services, "focal_point", "kilis", agency="example_health",
          label="Case worker, Kilis")
    browser_sign_in(page, language="ar")
    for name in ("translations", "directory", "staff", "audit"):
        page.goto(f"/console/{name}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        shoot(page, f"admin_{name}_ar")
