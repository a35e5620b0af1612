"""`intake report`: marginal tables and closed-loop indicators over a calendar period, as a
text table, CSV, JSON, an xlsx workbook or a self-contained html page, with no case code or
personal data in any of them; small counts hidden alike in every format; unknown hubs,
agencies and periods refused with the known values; each run in the audit log."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.cli import report as cli_report
from bot.report import tables
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage
from tests.storage.builders import consent, request

#: Long past, so every period has ended and every clock has run out whatever the real date.
MARCH = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
PHONE = "+90 000 000 4242"
STATISTICS = ("refer", "statistics")


def open_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """A migrated SQLite file, empty, that the command is pointed at."""
    key, index_key = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_KEYS", key)
    monkeypatch.setenv("INTAKE_INDEX_KEY", index_key)
    engine = make_engine(url)
    migrate.upgrade(engine)
    return Storage.on(engine, Cipher([key], index_key=index_key))


def add(storage: Storage, hub: str, agency: str, acknowledged_after: int | None,
        scopes: tuple[str, ...] = STATISTICS, times: int = 1, at: datetime = MARCH,
        **changes: Any) -> None:
    """``times`` referrals made at ``at`` with a 4-hour clock, each acknowledged
    ``acknowledged_after`` hours later (None: never)."""
    for _ in range(times):
        code = storage.referrals.create(
            request(hub=hub, consent=scopes, contact={"phone": PHONE}, **changes),
            referrer_id=None, agency=agency, at=at, acknowledge_by=at + timedelta(hours=4),
            case_due_at=at + timedelta(hours=72), consent=consent(granted=scopes))
        if acknowledged_after is not None:
            storage.referrals.append_event(
                code, "acknowledged", at=at + timedelta(hours=acknowledged_after),
                actor="staff:1")


@pytest.fixture
def busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """Thirty-five referrals in March 2024: in Gaziantep ten medical acknowledged (five in
    time, five late) and six legal waiting; in Hatay six legal waiting and twelve medical
    acknowledged in time; a single one in Kilis, the count to hide; and two in Hatay
    without statistics consent, never counted."""
    storage = open_storage(tmp_path, monkeypatch)
    add(storage, "gaziantep", "example_health", 2, times=5)
    add(storage, "gaziantep", "example_health", 6, times=5)
    add(storage, "gaziantep", "example_law", None, times=6, case_type="legal")
    add(storage, "hatay", "example_law", None, times=6, case_type="legal")
    add(storage, "hatay", "example_health", 1, times=12)
    add(storage, "kilis", "example_solidarity", 1, risk="low")
    add(storage, "hatay", "example_law", None, scopes=("refer",), times=2, case_type="legal")
    storage.staff.enrol(11, "focal_point", agency="example_health", hub="gaziantep",
                        language="en", at=MARCH)
    try:
        yield storage
    finally:
        storage.close()


def codes(storage: Storage) -> list[str]:
    return [record.code for record in storage.referrals.open()]


def run(*args: str) -> int:
    return main(["report", "--period", "2024-03", *args])


def lines_of(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def test_the_table_shows_the_marginal_tables_and_hides_the_single_referral(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run() == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == ("Referrals with statistics consent made in 2024-03, all hubs; "
                        "without statistics consent (not counted): 1 to 9")
    assert lines[1].startswith("x: hidden, a count from 1 to 4, or a figure hidden so that")
    assert "Referrals by hub" in lines and "Referrals by case type" in lines
    found = lines_of(out)
    # Kilis's single referral is hidden, and so is the smallest other hub, as "all" minus
    # the visible hubs would give it back; the same in the risk and agency tables
    assert [line for line in found if line[:1] in (["gaziantep"], ["hatay"], ["kilis"],
                                                   ["all"])][:4] == [
        ["gaziantep", "x"], ["hatay", "18"], ["kilis", "x"], ["all", "35"]]
    assert ["legal", "12"] in found and ["medical", "23"] in found
    assert ["high", "x"] in found and ["low", "x"] in found
    assert ["example_health", "22"] in found and ["example_solidarity", "x"] in found
    assert ["2024-03", "35"] in found
    assert "Agencies with no enrolled focal point: example_children, " in out
    assert "example_health" not in out.split("no enrolled focal point:")[1]
    assert all(code not in out for code in codes(busy))
    assert PHONE not in out and "older" not in out


def test_indicators_add_the_closed_loop_figures(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--indicators", "--by", "hub", "--min-count", "1") == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("hub "))
    for column in ("acknowledged in time", "median hours to acknowledge",
                   "90th percentile hours", "share closed in time", "escalated to backup",
                   "outcome notice reached referrer", "overdue now"):
        assert column in header
    gaziantep = next(line for line in lines_of(out) if line[:1] == ["gaziantep"])
    # 16 made; 5 in time of 16 decided (the 6 legal ones were never acknowledged), 31 %;
    # median 2 h and 90th percentile 6 h (nearest rank) over the 10 acknowledged, five
    # after 2 h and five after 6 h; 6 overdue now
    assert gaziantep[1:7] == ["16", "5", "16", "31%", "2.0", "6.0"] and gaziantep[-1] == "6"
    hatay = next(line for line in lines_of(out) if line[:1] == ["hatay"])
    assert hatay[1:7] == ["18", "12", "18", "67%", "1.0", "1.0"] and hatay[-1] == "6"


def test_csv_holds_one_table_per_dimension_under_its_header(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--format", "csv", "--by", "hub", "--by", "risk") == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))
    gap = rows.index([])
    assert rows[:gap] == [["hub", "referrals"], ["gaziantep", "x"], ["hatay", "18"],
                          ["kilis", "x"], ["all", "35"]]
    assert rows[gap + 1][0] == "risk"
    assert "made in 2024-03, all hubs" in captured.err  # the scope beside, not in, the CSV


def test_json_for_other_tools(busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--format", "json", "--indicators") == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert (data["period"], data["months"], data["hub"], data["min_count"]) == (
        "2024-03", ["2024-03"], None, 5)
    assert [table["by"] for table in data["tables"]] == list(cli_report.DIMENSIONS)
    by_hub = data["tables"][0]
    assert by_hub["columns"][:2] == ["hub", "referrals"]
    assert by_hub["rows"][0][:4] == ["gaziantep", "x", "x", "x"]
    assert by_hub["rows"][1][:5] == ["hatay", 18, 12, 18, 0.6667]
    assert all(code not in out for code in codes(busy)) and PHONE not in out


def test_xlsx_opens_with_a_sheet_per_table_frozen_headers_and_how_to_read_it(
        busy: Storage, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    assert run("--format", "xlsx", "--output", str(target), "--indicators") == 0
    book = load_workbook(target)
    assert book.sheetnames == ["How to read this", "hub", "case type", "risk", "month",
                               "agency"]
    assert "x: hidden" in " ".join(str(c.value) for c in book["How to read this"]["A"])
    sheet = book["hub"]
    assert sheet.freeze_panes == "B2"
    assert [c.value for c in sheet[1]][:3] == ["hub", "referrals", "acknowledged in time"]
    assert [c.value for c in sheet[2]][:3] == ["gaziantep", "x", "x"]
    assert [c.value for c in sheet[3]][:5] == ["hatay", 18, 12, 18, 0.6667]
    assert sheet.cell(row=3, column=5).number_format == "0%"
    texts = " ".join(str(c.value) for s in book.worksheets for row in s.iter_rows()
                     for c in row)
    assert all(code not in texts for code in codes(busy)) and PHONE not in texts


def test_html_is_one_page_with_inline_charts_no_script_and_no_external_reference(
        busy: Storage, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    assert run("--format", "html", "--output", str(target), "--indicators") == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 5
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    assert not re.search(r"https?:|//[a-z]|src=|href=|@import|url\(", page, re.IGNORECASE)
    assert "<td>hatay</td><td>18</td>" in page and "<td>kilis</td><td>x</td>" in page
    assert all(code not in page for code in codes(busy)) and PHONE not in page


def test_the_hub_and_agency_options_narrow_the_report(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--hub", "hatay", "--format", "csv", "--by", "case_type",
               "--by", "agency", "--agency", "example_health") == 0
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out))) == [
        ["case type", "referrals"], ["legal", "6"], ["medical", "12"], ["all", "18"], [],
        ["agency", "referrals"], ["example_health", "12"]]
    assert "hub hatay; without statistics consent (not counted): 1 to 9" in captured.err


def test_a_quarter_or_a_year_covers_its_months(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", "2024-Q1", "--by", "month", "--format", "csv",
                 "--hub", "hatay"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [
        ["month", "referrals"], ["2024-03", "18"], ["all", "18"]]


@pytest.mark.parametrize(("args", "message"), [
    (["--hub", "atlantis"], "error: unknown --hub 'atlantis' (known: adana_osmaniye, "
     "gaziantep, hatay, kilis, malatya_adiyaman_kmaras, mardin, sanliurfa)"),
    (["--agency", "nobody"], "error: unknown --agency 'nobody' (known: example_children, "
     "example_community, example_health, example_law, example_relief, example_solidarity, "
     "example_women)"),
    (["--period", "2024-03-10"], "error: not a period: '2024-03-10' (give a month 2026-11, "
     "a quarter 2026-Q4 or a year 2026)"),
    (["--period", "2999-01"], "error: the period 2999-01 has no month that has ended yet; "
     "the last month that has ended is "),
    (["--format", "xlsx"], "error: --format xlsx writes a file: give --output FILE"),
])
def test_unknown_hubs_agencies_and_periods_are_refused_with_the_known_values(
        busy: Storage, args: list[str], message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err


def test_there_is_no_since_option_to_subtract_one_day_from_another(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--since", "2024-03-05"])
    assert done.value.code == 2
    assert "unrecognized arguments: --since" in capsys.readouterr().err


def test_each_report_is_recorded_in_the_audit_log_as_an_export(busy: Storage) -> None:
    assert run("--format", "csv") == 0
    assert [entry[1:] for entry in busy.audit.entries()] == [("cli", "report", None)]


def test_without_keys_the_report_says_which_variable_to_set(
        busy: Storage, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("INTAKE_KEYS")
    assert run() == 2
    assert "INTAKE_KEYS" in capsys.readouterr().err


def test_min_count_1_shows_every_count_and_warns(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--min-count", "1", "--by", "hub") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == (
        "warning: --min-count 1: every count is shown, however small; do not share this "
        "report beyond people allowed to see case-level data")
    assert ["kilis", "1"] in lines_of(out) and ["all", "35"] in lines_of(out)


@pytest.mark.parametrize(("value", "message"), [
    ("0", "the minimum count must be 1 or more (1 hides nothing), not 0"),
    ("2", "a minimum count of 2 would hide nothing (a count above 0 and below 2 can only be "
          "1): use 1 to show every count, or 3 or more"),
    ("five", "not a whole number: 'five' (give 1 or more; 1 hides nothing)"),
])
def test_a_bad_min_count_is_refused_with_usage(
        value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--min-count", value])
    assert done.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"error: argument --min-count: {message}")


def test_the_parser_constants_match_the_report_modules() -> None:
    assert cli_report.MIN_COUNT == tables.MIN_COUNT
    assert cli_report.DIMENSIONS == tables.DIMENSIONS
