"""The Overview draws the closed-loop indicators of ``intake report --indicators`` as charts
per hub, agency and month for a period of the calendar grid: the figures the command prints,
hidden where it hides them; a hub coordinator's page counts and names their hub only; the
figures are kept for a minute of the clock."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from bot.__main__ import main
from bot.report.render import text_cell
from bot.service.indicators import IndicatorBoard
from bot.wiring import Services
from storage.clock import FixedClock
from tests.console.conftest import ConsoleClient
from tests.storage.builders import consent, request

#: In October 2026, a month that has ended at the console clock (2026-11-23).
OCTOBER = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
STATISTICS = ("refer", "statistics")
Client = Callable[..., ConsoleClient]


def add(services: Services, hub: str, agency: str, acknowledged_after: int | None, *,
        times: int = 1, scopes: tuple[str, ...] = STATISTICS, at: datetime = OCTOBER,
        **changes: Any) -> list[str]:
    """``times`` referrals with a 4-hour clock, acknowledged after ``acknowledged_after``
    hours (None: never)."""
    storage, codes = services.storage, []
    for _ in range(times):
        code = storage.referrals.create(
            request(hub=hub, consent=scopes, **changes), referrer_id=None, agency=agency,
            at=at, acknowledge_by=at + timedelta(hours=4),
            case_due_at=at + timedelta(hours=72), consent=consent(granted=scopes))
        if acknowledged_after is not None:
            storage.referrals.append_event(code, "acknowledged", actor="staff:1",
                                           at=at + timedelta(hours=acknowledged_after))
        codes.append(code)
    return codes


@pytest.fixture
def seeded(console_services: Services) -> Services:
    """Thirty-five counted referrals in October 2026: Gaziantep ten medical acknowledged
    (five in time, five late) and six legal never; Hatay six legal never and twelve medical
    in time; Kilis one, the count to hide; two in Hatay without statistics consent."""
    add(console_services, "gaziantep", "example_health", 2, times=5)
    add(console_services, "gaziantep", "example_health", 6, times=5)
    add(console_services, "gaziantep", "example_law", None, times=6, case_type="legal")
    add(console_services, "hatay", "example_law", None, times=6, case_type="legal")
    add(console_services, "hatay", "example_health", 1, times=12)
    add(console_services, "kilis", "example_solidarity", 1, risk="low")
    add(console_services, "hatay", "example_law", None, scopes=("refer",), times=2,
        case_type="legal")
    return console_services


def figures(page: str, title: str) -> dict[str, str]:
    """The figures table under the chart titled ``title`` (the first one on the page)."""
    found = re.search(r"<caption>" + re.escape(str(escape(title))) + r"</caption>(.*?)</table>",
                      page, re.S)
    assert found, f"no chart {title!r}"
    return {html.unescape(label): html.unescape(value) for label, value in re.findall(
        r'<th scope="row">(.*?)</th><td class="number">(.*?)</td>', found.group(1))}


def tiles(page: str) -> dict[str, str]:
    return {html.unescape(label): html.unescape(value)
            for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)}


def section(page: str, heading: str) -> str:
    start = page.index(f">{heading}</h2>")
    end = page.find("<h2", start)
    return page[start:end if end > 0 else len(page)]


def cli_json(services: Services, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """What ``intake report --indicators --format json`` prints on the same database."""
    settings = services.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("INTAKE_KEYS", ",".join(settings.keys))
    monkeypatch.setenv("INTAKE_INDEX_KEY", settings.index_key or "")
    capsys.readouterr()
    assert main(["report", "--indicators", "--format", "json", *args]) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_charts_show_the_figures_the_report_command_prints_and_hide_what_it_hides(
        seeded: Services, console_client: Client, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    page = console_client().get("/console/?period=2026-10")
    assert page.status_code == 200
    body = page.text
    assert body.count("<svg") >= 10
    by_hub = figures(body, "Referrals made")
    # Kilis's single referral is hidden, and so is Gaziantep, from which "all" minus Hatay
    # would give Kilis back: exactly as the command prints
    assert by_hub == {"Gaziantep": "x", "Hatay": "18", "Kilis": "x"}
    assert ">x</text>" in body
    printed = cli_json(seeded, monkeypatch, capsys, "--period", "2026-10")
    names = {hub.id: hub.name("en") for hub in seeded.directory.hubs.values()}
    columns = {"referrals": "Referrals made",
               "share acknowledged in time": "Acknowledged within the agency's clock",
               "median hours to acknowledge": "Median hours to acknowledge",
               "overdue now": "Overdue now"}
    hubs = next(t for t in printed["tables"] if t["by"] == "hub")
    for column, title in columns.items():
        index = hubs["columns"].index(column)
        shown = figures(section(body, "By hub"), title)
        for row in hubs["rows"]:
            if row[0] != "all":
                expected = "-" if row[index] is None else text_cell(column, row[index])
                assert shown[names[row[0]]] == expected, (column, row)
    agencies = next(t for t in printed["tables"] if t["by"] == "agency")
    shown = figures(section(body, "By agency"), "Referrals first sent to the agency")
    agency_names = {a.id: a.name("en") for a in seeded.directory.agencies.values()}
    assert shown == {agency_names[row[0]]: text_cell("referrals", row[1])
                     for row in agencies["rows"]}
    # the headline figures are the period's "all" row: 35 made, 18 acknowledged in time
    # (5 in Gaziantep, 12 in Hatay, 1 in Kilis) of 35 decided
    assert tiles(body)["Referrals made"] == "35"
    assert tiles(body)["Acknowledged within the agency's clock"] == "51%"
    assert "Without that consent (not counted): 1 to 9." in body


def test_a_hub_coordinator_sees_only_their_hub(seeded: Services,
                                               console_client: Client) -> None:
    body = console_client(hub="hatay").get("/console/?period=2026-10").text
    assert "By hub" not in body
    assert "Gaziantep" not in body and "Kilis" not in body
    assert tiles(body)["Referrals made"] == "18"
    # the agencies of Hatay's referrals only: Kilis's agency had none there
    shown = figures(section(body, "By agency"), "Referrals first sent to the agency")
    assert shown == {"Example Health Partners": "12", "Example Legal Aid Centre": "6"}
    assert "Hub: Hatay" in body


def test_a_quarter_still_running_counts_its_ended_months(seeded: Services,
                                                          console_client: Client) -> None:
    body = console_client().get("/console/?period=2026-Q4").text
    assert "2026-Q4 through 2026-10 (the months that have ended)" in body
    assert figures(section(body, "By month"), "Referrals made per month") == {"2026-10": "35"}
    assert '<option value="2026-Q4" selected>' in body


def test_the_default_period_is_this_year(seeded: Services, console_client: Client) -> None:
    body = console_client().get("/console/").text
    assert '<option value="2026" selected>' in body
    assert "2026 through 2026-10 (the months that have ended)" in body


@pytest.mark.parametrize("period", ["2026-13", "yesterday", "2026-12", "2026-10-01"])
def test_a_period_off_the_grid_is_refused_with_the_reason(
        seeded: Services, console_client: Client, period: str) -> None:
    answer = console_client().get("/console/", params={"period": period})
    assert answer.status_code == 400
    assert (f"{period} is not a period of the calendar: choose a month, a quarter or a year "
            "from the list.") in answer.text
    assert "<svg" not in answer.text


def board(client: ConsoleClient) -> IndicatorBoard:
    found: IndicatorBoard = client.app.state.indicators  # type: ignore[attr-defined]
    return found


def test_figures_are_kept_for_a_minute(seeded: Services, console_client: Client,
                                       console_clock: FixedClock) -> None:
    client = console_client()
    assert figures(client.get("/console/?period=2026-10").text,
                   "Referrals made")["Hatay"] == "18"
    add(seeded, "hatay", "example_health", 1, times=3)
    console_clock.advance(seconds=44)
    assert figures(client.get("/console/?period=2026-10").text,
                   "Referrals made")["Hatay"] == "18"
    console_clock.advance(seconds=1)  # 45 s old: served, and counted again meanwhile
    assert figures(client.get("/console/?period=2026-10").text,
                   "Referrals made")["Hatay"] == "18"
    board(client).settle()
    assert figures(client.get("/console/?period=2026-10").text,
                   "Referrals made")["Hatay"] == "21"
    add(seeded, "hatay", "example_health", 1, times=2)
    console_clock.advance(seconds=60)  # nobody asked for a minute: counted on the request
    assert figures(client.get("/console/?period=2026-10").text,
                   "Referrals made")["Hatay"] == "23"
    board(client).settle()


def test_the_page_is_in_arabic_right_to_left(seeded: Services,
                                             console_client: Client) -> None:
    body = console_client(language="ar").get("/console/?period=2026-10").text
    assert 'dir="rtl"' in body and 'direction="rtl"' in body
    assert "هاتاي" in body  # Hatay by its Arabic name


def test_with_no_referrals_the_page_says_so(console_client: Client) -> None:
    body = console_client().get("/console/").text
    assert "No referrals to count in this period." in body


def test_a_period_typed_into_the_address_comes_back_escaped(console_client: Client) -> None:
    answer = console_client().get("/console/", params={"period": "<b>2026</b>"})
    assert answer.status_code == 400
    assert "<b>2026</b>" not in answer.text and "&lt;b&gt;2026&lt;/b&gt;" in answer.text
