"""The Audit page filters the trail by case code, actor, action and days, newest first, in
keyset pages that neither repeat nor skip a row; a hub coordinator reads only their hub's
rows; a malformed filter is refused with what it takes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.wiring import Services
from tests.console.conftest import ConsoleClient, enrol

Client = Callable[..., ConsoleClient]
DAY = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ROW = re.compile(r'<td class="code">(\w+(?::\w+)?)</td>\s*<td class="code">(\w+)</td>')


def rows_of(page: str) -> list[tuple[str, str]]:
    return ROW.findall(page)


def next_link(page: str) -> str | None:
    found = re.search(r'href="([^"]+)" rel="next"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_run_newest_first_without_repeating_or_skipping_a_row(
        console_services: Services, console_client: Client) -> None:
    audit = console_services.storage.audit
    for minute in range(120):  # two rows a minute share a time: the id breaks the tie
        audit.record(f"staff:{minute // 2 + 1}", "view", None, DAY + timedelta(minutes=minute // 2))
    client = console_client()
    seen: list[tuple[str, str]] = []
    url: str | None = "/console/audit?action=view"
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen.extend(rows_of(page.text))
        url = next_link(page.text)
        pages += 1
    assert pages == 3 and len(seen) == 120
    assert seen[0] == ("staff:60", "view") and seen[-1] == ("staff:1", "view")
    assert [int(actor.split(":")[1]) for actor, _ in seen] == sorted(
        (minute // 2 + 1 for minute in range(120)), reverse=True)


def test_filters_by_actor_action_and_days(console_services: Services,
                                          console_client: Client) -> None:
    audit = console_services.storage.audit
    audit.record("staff:4", "revoke", None, DAY, subject="staff:9")
    audit.record("staff:4", "invite", None, DAY + timedelta(days=1), subject="invite:1")
    audit.record("worker", "remind", None, DAY + timedelta(days=2))
    client = console_client()
    assert rows_of(client.get("/console/audit?actor=staff:4").text) == [
        ("staff:4", "invite"), ("staff:4", "revoke")]
    assert rows_of(client.get("/console/audit?actor=staff:9").text) == [("staff:4", "revoke")]
    assert rows_of(client.get("/console/audit?action=remind").text) == [("worker", "remind")]
    assert rows_of(client.get("/console/audit?from=2026-11-21&to=2026-11-21").text) == [
        ("staff:4", "invite")]


def test_a_hub_coordinator_reads_only_their_hubs_rows(console_services: Services,
                                                      console_client: Client) -> None:
    kilis = enrol(console_services, "referrer", "kilis")
    gaziantep = enrol(console_services, "referrer", "gaziantep")
    audit = console_services.storage.audit
    audit.record(f"staff:{kilis}", "enrol", None, DAY)
    audit.record(f"staff:{gaziantep}", "enrol", None, DAY)
    audit.record("cli", "revoke", None, DAY, subject=f"staff:{kilis}")
    audit.record("cli", "directory_load", None, DAY)
    page = console_client(hub="kilis").get("/console/audit").text
    assert sorted(rows_of(page)) == [("cli", "revoke"), (f"staff:{kilis}", "enrol")]
    assert len(rows_of(console_client().get("/console/audit").text)) == 4


@pytest.mark.parametrize(("query", "error"), [
    ("actor=Leyla Demir", "actor: &#39;Leyla Demir&#39; is not an actor (a component such as "
                          "worker, or kind:id such as staff:12)"),
    ("action=Reveal!", "action: &#39;Reveal!&#39; is not an action (a lower-case verb such as "
                       "reveal or revoke)"),
    ("from=29/11/2026", "from: &#39;29/11/2026&#39; is not a date (YYYY-MM-DD)"),
    ("from=2026-11-29&to=2026-11-01", "to: the range ends before it starts"),
])
def test_a_malformed_filter_is_refused_with_what_it_takes(console_client: Client, query: str,
                                                          error: str) -> None:
    page = console_client().get(f"/console/audit?{query}")
    assert page.status_code == 400
    assert error in page.text


def test_a_bad_case_code_is_refused(console_client: Client) -> None:
    page = console_client().get("/console/audit?code=hello")
    assert page.status_code == 400 and "case code:" in page.text
