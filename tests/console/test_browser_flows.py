"""The Flows page in a real Chromium: a broken flow upload shows its line-numbered problems;
a good one is tried in the simulator and published, and a bot process on the same database
then serves it to a new intake; a hub coordinator gets no publish button; the Arabic page
reads right to left. In the coordinator's language: a YAML syntax error says where to look
and what for, the YAML reader's English words beneath; a command the simulator does not
take, and a rollback that lost the race to another publication, say why. Every page's
screenshot is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.engine.events import Say
from bot.flows.library import Source
from bot.service.publishing import Publisher
from bot.wiring import build_services, flow_checks
from storage.clock import FixedClock
from tests.console.conftest import LiveConsole
from tests.console.test_flows import HELLO, TINY, published_intake, store_of
from tests.console.test_flows_language import UNCLOSED, UNCLOSED_YAML, lose_the_race

Shoot = Callable[[Any, str], Path]


def _upload(page: Any, path: Path) -> None:
    page.goto("/console/flows")
    page.set_input_files("#flow-files", str(path))
    page.get_by_role("button", name="Check", exact=True).click()


def test_a_broken_flow_upload_shows_its_line_numbered_problems(
        browser_page: Any, browser_sign_in: Callable[..., int], live_console: LiveConsole,
        shoot: Shoot, tmp_path: Path) -> None:
    page = browser_page
    browser_sign_in(page)
    page.goto("/console/flows")
    assert page.locator("table.flows tbody tr").count() == len(
        live_console.services.engine.library.flows)
    shoot(page, "flows-list")
    broken = tmp_path / "tiny.yaml"
    broken.write_text(TINY.replace("outcome: cancelled", "outcome: cancled")
                      .replace("kind: choice", "kind: chioce"), encoding="utf-8")
    version = store_of(live_console.services).version()
    _upload(page, broken)
    page.get_by_role("heading", name="Problems found").wait_for()
    rows = page.locator("table.problems tbody tr")
    assert rows.count() == 2
    assert [rows.nth(i).locator("td").all_inner_texts() for i in range(2)] == [
        ["tiny.yaml", "13", "way", "kind", "unknown question kind 'chioce' (expected one of: "
         "choice, multi, number, text, phone, date, language, hub, partner)"],
        ["tiny.yaml", "23", "stop", "outcome", "unknown outcome 'cancled' (expected one of: "
         "referred, urgent_referred, info_only, consent_refused, not_eligible, cancelled)"]]
    assert "nothing was stored or published" in page.locator("[role=alert]").inner_text()
    shoot(page, "flows-problems")
    assert store_of(live_console.services).version() == version


def test_publishing_a_good_flow_makes_a_running_bot_serve_it_to_a_new_intake(
        browser_page: Any, browser_sign_in: Callable[..., int], live_console: LiveConsole,
        shoot: Shoot, tmp_path: Path) -> None:
    services = live_console.services
    bot = build_services(services.settings, clock=FixedClock(services.clock.now()))
    try:
        page = browser_page
        staff_id = browser_sign_in(page)
        good = tmp_path / "intake.yaml"
        good.write_text(published_intake(services), encoding="utf-8")
        _upload(page, good)
        page.get_by_role("heading", name="No problems found").wait_for()
        assert page.locator("svg.flow-diagram").count() == 1
        shoot(page, "flows-draft")

        page.get_by_role("button", name="Try it in the simulator").click()
        page.get_by_role("heading", name="Simulator: intake").wait_for()
        assert HELLO in page.locator("ol.transcript").inner_text()
        page.locator("button.choice").first.click()
        page.locator("button.choice").first.wait_for()
        shoot(page, "flows-simulator")
        page.get_by_role("link", name="Checked draft").click()

        page.get_by_label("Note (why; kept with the publication)").fill(
            "a welcome line from the console")
        page.get_by_role("button", name="Publish", exact=True).click()
        page.wait_for_url("**/console/flows?done=published-*")
        assert "is published" in page.locator("[role=status]").inner_text()
        shoot(page, "flows-published")

        bot.engine.library.refresh(force=True)  # the poll every running process makes
        staff = bot.storage.staff.get(bot.storage.staff.enrol(
            6_200_001, "referrer", agency=None, hub="gaziantep", language="en",
            at=bot.clock.now()))
        turn = bot.intake.start(6_200_001, staff, {})
        assert next(e.text for e in turn.events if isinstance(e, Say)) == HELLO
        record = [r for r in store_of(services).history() if r.flow_id == "intake"][-1]
        assert record.published_by == f"staff:{staff_id}"

        page.goto("/console/flows/intake")
        page.locator("svg.flow-diagram").wait_for()
        shoot(page, "flows-revision")
        page.get_by_role("button", name="Compare").click()
        page.locator("ol.diff .added").first.wait_for()
        assert HELLO in page.locator("ol.diff").inner_text()
        shoot(page, "flows-diff")
        page.goto(f"/console/flows/intake/revisions/{record.revision - 1}/rollback")
        shoot(page, "flows-rollback-confirm")
    finally:
        bot.storage.close()


def test_a_hub_coordinator_cannot_publish(
        browser_page: Any, browser_sign_in: Callable[..., int], shoot: Shoot,
        tmp_path: Path) -> None:
    page = browser_page
    browser_sign_in(page, hub="gaziantep")
    good = tmp_path / "tiny.yaml"
    good.write_text(TINY, encoding="utf-8")
    _upload(page, good)
    page.get_by_role("heading", name="No problems found").wait_for()
    assert page.get_by_role("button", name="Publish", exact=True).count() == 0
    assert "Only a national coordinator can publish." in page.locator("main").inner_text()
    shoot(page, "flows-hub-coordinator")


def test_the_arabic_flows_pages_read_right_to_left(
        browser_page: Any, browser_sign_in: Callable[..., int], shoot: Shoot) -> None:
    page = browser_page
    browser_sign_in(page, language="ar")
    page.goto("/console/flows")
    assert page.locator("html").get_attribute("dir") == "rtl"
    shoot(page, "flows-list-ar")
    page.goto("/console/flows/pwsn")
    page.locator("svg.flow-diagram").wait_for()
    shoot(page, "flows-revision-ar")


def test_a_yaml_syntax_error_is_told_in_arabic_above_the_yaml_readers_english(
        browser_page: Any, browser_sign_in: Callable[..., int], shoot: Shoot,
        tmp_path: Path) -> None:
    page = browser_page
    browser_sign_in(page, language="ar")
    broken = tmp_path / "tiny.yaml"
    broken.write_text(UNCLOSED, encoding="utf-8")
    page.goto("/console/flows")
    page.set_input_files("#flow-files", str(broken))
    page.locator("form[action='/console/flows/check'] button[type=submit]").click()
    cell = page.locator("table.problems tbody tr td").last
    cell.wait_for()
    told, detail = cell.inner_text().replace("\u2068", "").replace("\u2069", "").split("\n")
    assert told == ("تتعذّر قراءة YAML في السطر 15، العمود 11. علامة اقتباس (\" أو ') تفتح نصًّا "
                    "لا يُغلق أبدًا: أغلقه بالعلامة نفسها.")
    assert detail == f"يقول قارئ YAML: {UNCLOSED_YAML}"
    english = cell.locator(".problem-detail [lang=en]")
    assert (english.inner_text(), english.get_attribute("dir")) == (UNCLOSED_YAML, "ltr")
    below = cell.locator(".problem-detail").bounding_box()
    assert below is not None and below["y"] > cell.bounding_box()["y"] + 10  # beneath it
    assert page.locator("pre.problem-lines").text_content().strip() == (
        f"tiny.yaml:15: YAML syntax: {UNCLOSED_YAML}")  # as the command prints it
    shoot(page, "flows-yaml-syntax-ar")


def test_a_command_the_simulator_does_not_take_is_refused_in_french(
        browser_page: Any, browser_sign_in: Callable[..., int], shoot: Shoot,
        tmp_path: Path) -> None:
    page = browser_page
    browser_sign_in(page, language="fr")
    good = tmp_path / "tiny.yaml"
    good.write_text(TINY, encoding="utf-8")
    page.goto("/console/flows")
    page.set_input_files("#flow-files", str(good))
    page.locator("form[action='/console/flows/check'] button[type=submit]").click()
    page.locator("form[action='/console/flows/try'] button[type=submit]").click()
    page.locator("button.choice").first.wait_for()
    # An outdated or forged form: the /back button sends a command the simulator lacks.
    page.locator("button[name=command][value=back]").evaluate("b => b.value = 'forget'")
    page.locator("button[name=command][value=forget]").click()
    alert = page.locator("main [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == ("le simulateur n'a pas de commande 'forget' (il a : back, "
                                  "restart, cancel, language, urgent)")
    shoot(page, "flows-simulator-refused-fr")
    page.locator("button.choice[value=right]").click()  # the trial goes on as it was
    page.get_by_text("Stopped.").wait_for()


def test_a_rollback_that_lost_the_race_says_so_in_turkish(
        browser_page: Any, browser_sign_in: Callable[..., int], live_console: LiveConsole,
        shoot: Shoot, monkeypatch: pytest.MonkeyPatch) -> None:
    services = live_console.services
    publisher = Publisher(store_of(services), services.clock)
    checks = flow_checks(services.settings, services.storage)
    for text in (TINY, TINY.replace("Which way?", "Where to?")):
        publisher.publish_sources([Source("tiny.yaml", text)], checks, "staff:0", "tiny")
    page = browser_page
    browser_sign_in(page, language="tr")
    page.goto("/console/flows/tiny/revisions/1/rollback")
    page.locator("#confirm-note").fill("r2 confused people")
    taken = lose_the_race(monkeypatch)
    page.locator("form[action$='/rollback'] button[type=submit]").click()
    alert = page.locator("main [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == (f"{taken[0]} numaralı yayını bu arada başka biri yaptı; "
                                  "hiçbir şey kaydedilmedi, yeniden deneyin")
    assert [r.revision for r in store_of(services).history() if r.flow_id == "tiny"] == [1, 2]
    shoot(page, "flows-rollback-race-tr")
