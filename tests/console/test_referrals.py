"""The Referrals page lists case codes, case type, hub, risk, status, holding agency,
deadlines, overdue and escalation level, newest first in keyset pages, filtered by status,
hub, overdue and case code; it never shows a name, a contact, an answer or a reason; a hub
coordinator gets their hub's referrals only, whatever they ask for."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.wiring import Services
from tests.console.conftest import ConsoleClient
from tests.storage.builders import consent, request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the console clock
Client = Callable[..., ConsoleClient]
NAME = "Leyla Testperson"
PHONE = "+90 555 010 4242"
REASON = "moved to Zeynep's flat in Yenişehir"


def make(services: Services, hub: str = "gaziantep", *, hours_ago: float = 1,
         clock_hours: float = 4, **changes: object) -> str:
    at = NOW - timedelta(hours=hours_ago)
    return services.storage.referrals.create(
        request(hub=hub, **changes), referrer_id=None, agency="example_health", at=at,
        acknowledge_by=at + timedelta(hours=clock_hours), case_due_at=at + timedelta(hours=72),
        via="focal_point", consent=consent())


def codes_in(page: str) -> list[str]:
    return re.findall(r'<td class="code">([0-9A-Z-]+)</td>', page)


def test_a_row_shows_the_plain_columns_and_no_personal_data(console_services: Services,
                                                            console_client: Client) -> None:
    code = make(console_services, hours_ago=30, clock_hours=4, risk="high", urgent=True,
                envelope={"age_band": "older", "sex": "female", "reach": "phone",
                          "name": NAME, "note": "answers: sleeps at the mosque"},
                contact={"phone": PHONE, "name": NAME})
    console_services.storage.referrals.append_event(
        code, "declined", at=NOW - timedelta(hours=2), actor="staff:3", reason=REASON)
    body = console_client().get("/console/referrals").text
    assert codes_in(body) == [code]
    row = body[body.index(f'<td class="code">{code}</td>'):]
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[:row.index("</tr>")]))
    for shown in ("medical", "Gaziantep", "high", "urgent", "declined",
                  "Example Health Partners", "(focal point)", "overdue"):
        assert shown in row, shown
    made = NOW - timedelta(hours=30)
    assert (made + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M") in row  # acknowledge by
    assert (made + timedelta(hours=72)).strftime("%Y-%m-%d %H:%M") in row  # close by
    for secret in (NAME, PHONE, "555", "Zeynep", "Yeni", "mosque", "older", "female"):
        assert secret not in body, secret


def test_a_hub_coordinator_gets_their_hub_only(console_services: Services,
                                               console_client: Client) -> None:
    hatay = {make(console_services, "hatay") for _ in range(2)}
    gaziantep = make(console_services, "gaziantep")
    client = console_client(hub="hatay")
    for address in ("/console/referrals", "/console/referrals?hub=gaziantep",
                    f"/console/referrals?hub=gaziantep&code={gaziantep}"):
        body = client.get(address).text
        assert set(codes_in(body)) <= hatay and gaziantep not in codes_in(body), address
        assert "Gaziantep" not in body and 'name="hub"' not in body  # no hub filter
    assert set(codes_in(client.get("/console/referrals?hub=gaziantep").text)) == hatay
    national = console_client().get("/console/referrals?hub=gaziantep").text
    assert codes_in(national) == [gaziantep]


def test_filters_by_status_overdue_and_code(console_services: Services,
                                           console_client: Client) -> None:
    late = make(console_services, hours_ago=10, clock_hours=4)
    waiting = make(console_services, hours_ago=1, clock_hours=4)
    acknowledged = make(console_services, hours_ago=2)
    console_services.storage.referrals.append_event(
        acknowledged, "acknowledged", at=NOW - timedelta(hours=1), actor="staff:1")
    client = console_client()
    assert codes_in(client.get("/console/referrals?overdue=1").text) == [late]
    assert codes_in(client.get("/console/referrals?status=acknowledged").text) == [
        acknowledged]
    assert codes_in(client.get("/console/referrals?status=sent").text) == [waiting, late]
    typed = waiting.lower().replace("-", "")
    assert codes_in(client.get(f"/console/referrals?code={typed}").text) == [waiting]
    assert "No referral matches these filters." in client.get(
        "/console/referrals?code=ZZZZZZZZZ").text


def test_pages_go_older_and_back_keeping_the_filters(console_services: Services,
                                                     console_client: Client) -> None:
    made = [make(console_services, "hatay", hours_ago=200 - n) for n in range(60)]
    make(console_services, "kilis")
    client = console_client()
    first = client.get("/console/referrals?hub=hatay").text
    assert codes_in(first) == made[::-1][:50]
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older and 'rel="prev"' not in first
    link = older.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query)["hub"] == ["hatay"]
    second = client.get(link).text
    assert codes_in(second) == made[::-1][50:]
    assert 'rel="next"' not in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second)
    assert newer
    assert codes_in(client.get(newer.group(1).replace("&amp;", "&")).text) == made[::-1][:50]


@pytest.mark.parametrize(("query", "error"), [
    ("status=lost", "Unknown status lost; choose one from the list."),
    ("hub=atlantis", "Unknown hub atlantis; choose one from the list."),
    ("after=12abc", "This page address is not valid; start again from the first page."),
    ("before=-3", "This page address is not valid; start again from the first page."),
    ("after=5&before=9", "This page address is not valid; start again from the first page."),
])
def test_bad_filters_are_refused_with_the_reason(console_services: Services,
                                                 console_client: Client, query: str,
                                                 error: str) -> None:
    make(console_services)
    answer = console_client().get(f"/console/referrals?{query}")
    assert answer.status_code == 400
    assert error in answer.text and not codes_in(answer.text)


def test_the_page_needs_a_session(console_client: Client) -> None:
    client = console_client()
    client.cookies.clear()
    assert client.get("/console/referrals").status_code == 401


def test_a_code_typed_into_the_address_comes_back_escaped(console_client: Client) -> None:
    body = console_client().get("/console/referrals", params={"code": '"><b>K7Q'}).text
    assert "<b>K7Q" not in body and "&#34;&gt;&lt;b&gt;K7Q" in body
