"""`intake report`: a readable table or CSV of aggregate figures, without case codes or
personal data, filtered by hub and day, and recorded in the audit log; counts below
``--min-count`` (default 5) hidden in both formats, with the totals that would give them
back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.cli.report import ACK_HEADER, COUNT_HEADER
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage
from tests.storage.builders import consent, request

#: Long past, so every deadline has passed whatever the real clock says.
MARCH = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
PHONE = "+90 000 000 4242"


STATISTICS = ("refer", "statistics")


def open_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """A migrated SQLite file, empty, that the command is pointed at."""
    key = generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_KEYS", key)
    engine = make_engine(url)
    migrate.upgrade(engine)
    return Storage.on(engine, Cipher([key]))


def add(storage: Storage, hub: str, agency: str, acknowledged_after: int | None,
        scopes: tuple[str, ...] = STATISTICS, times: int = 1, **changes: Any) -> None:
    """``times`` referrals made in March 2024 with a 4-hour deadline, each acknowledged
    ``acknowledged_after`` hours later (None: never)."""
    for _ in range(times):
        code = storage.referrals.create(
            request(hub=hub, consent=scopes, contact={"phone": PHONE}, **changes),
            referrer_id=None, agency=agency, at=MARCH,
            acknowledge_by=MARCH + timedelta(hours=4), consent=consent(granted=scopes))
        if acknowledged_after is not None:
            storage.referrals.append_event(
                code, "acknowledged", at=MARCH + timedelta(hours=acknowledged_after),
                actor="staff:1")


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """Four referrals, as in a small hub: two acknowledged in Gaziantep, one waiting in
    Hatay, one without statistics consent. Every count is below 5."""
    storage = open_storage(tmp_path, monkeypatch)
    add(storage, "gaziantep", "health_ngo", 2)
    add(storage, "gaziantep", "health_ngo", 6)
    add(storage, "hatay", "law_ngo", None)
    add(storage, "hatay", "law_ngo", None, scopes=("refer",))
    try:
        yield storage
    finally:
        storage.close()


@pytest.fixture
def busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """Twenty-one referrals: ten acknowledged in Gaziantep (five in time, five late), six
    overdue in Hatay, a single one acknowledged in Kilis, which is the count to hide, and two
    in Hatay without statistics consent."""
    storage = open_storage(tmp_path, monkeypatch)
    add(storage, "gaziantep", "health_ngo", 2, times=5)
    add(storage, "gaziantep", "health_ngo", 6, times=5)
    add(storage, "hatay", "law_ngo", None, times=6, case_type="legal")
    add(storage, "kilis", "kilis_clinic", 1, risk="low")
    add(storage, "hatay", "law_ngo", None, scopes=("refer",), times=2, case_type="legal")
    try:
        yield storage
    finally:
        storage.close()


def codes(storage: Storage) -> list[str]:
    return [record.code for record in storage.referrals.open()]


def test_the_table_has_both_sections_with_headers_and_no_case_code_or_personal_data(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--min-count", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Referrals with statistics consent, all hubs, all time: "
                               "3 counted, 1 left out (no statistics consent); as of ")
    assert "Referrals per month created, hub, case type, risk and current status" in lines
    assert ["month", "hub", "case", "type", "risk", "status", "referrals"] in (
        line.split() for line in lines)
    assert ["2024-03", "gaziantep", "medical", "high", "acknowledged", "2"] in (
        line.split() for line in lines)
    assert ["health_ngo", "2", "4.0", "1", "2", "50%"] in (line.split() for line in lines)
    assert ["all", "agencies", "2", "4.0", "1", "3", "33%"] in (
        line.split() for line in lines)
    assert all(code not in out for code in codes(storage))
    assert PHONE not in out and "older" not in out


def test_csv_output_is_two_tables_each_under_its_header(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "csv", "--min-count", "1"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(captured.out)))
    gap = rows.index([])
    assert rows[0] == list(COUNT_HEADER)
    assert rows[1:gap] == [["2024-03", "gaziantep", "medical", "high", "acknowledged", "2"],
                           ["2024-03", "hatay", "medical", "high", "sent", "1"]]
    assert rows[gap + 1] == list(ACK_HEADER)
    assert rows[gap + 2:] == [["health_ngo", "2", "4.00", "1", "2", "0.500"],
                              ["law_ngo", "0", "", "0", "1", "0.000"],
                              ["all", "2", "4.00", "1", "3", "0.333"]]
    assert "3 counted, 1 left out" in captured.err  # the scope goes beside, not into, the CSV


def test_one_section_as_csv_is_a_single_table(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "csv", "--only", "acknowledgement"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == list(ACK_HEADER) and [] not in rows and len(rows) == 4


def test_the_hub_and_since_options_narrow_the_report(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--hub", "hatay", "--format", "csv", "--only", "counts",
                 "--min-count", "1"]) == 0
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out)))[1:] == [
        ["2024-03", "hatay", "medical", "high", "sent", "1"]]
    assert "hub hatay, all time: 1 counted, 1 left out" in captured.err
    assert main(["report", "--since", "2024-03-05"]) == 0
    out = capsys.readouterr().out
    assert "created since 2024-03-05: 0 counted, 0 left out" in out
    assert out.count("(no referrals to count)") == 2


def test_a_malformed_day_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--since", "04/03/2024"])
    assert done.value.code == 2
    assert "not a day in the form YYYY-MM-DD: '04/03/2024'" in capsys.readouterr().err


def test_each_report_is_recorded_in_the_audit_log_as_an_export(storage: Storage) -> None:
    assert main(["report", "--format", "csv"]) == 0
    assert [entry[1:] for entry in storage.audit.entries()] == [("cli", "report", None)]


def test_without_keys_the_report_says_which_variable_to_set(
        storage: Storage, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("INTAKE_KEYS")
    monkeypatch.delenv("INTAKE_KEYS_FILE", raising=False)
    assert main(["report"]) == 2
    assert "INTAKE_KEYS" in capsys.readouterr().err


NOTE = ("Counts from 1 to 4 are shown as <5; x: withheld, a total or share that would give a "
        "hidden count back, or a median of fewer than 5 (--min-count 5).")


def test_by_default_a_small_hub_shows_no_count_below_5_nor_a_total_that_gives_one_back(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Referrals with statistics consent, all hubs, all time: "
                               "between 2 and 8 counted, <5 left out (no statistics consent); "
                               "as of ")
    assert lines[1:] == [
        NOTE,
        "",
        "Referrals per month created, hub, case type, risk and current status",
        "month    hub        case type  risk  status        referrals",
        "2024-03  gaziantep  medical    high  acknowledged         <5",
        "2024-03  hatay      medical    high  sent                 <5",
        "",
        "Acknowledgement per agency (time from referral to first acknowledgement; in time: "
        "by the deadline)",
        "agency        acknowledged  median hours  in time  decided  share in time",
        "health_ngo              <5             x       <5       <5              x",
        "law_ngo                  0             -        0       <5              x",
        "all agencies             x             x        x        x              x"]


def test_end_to_end_the_csv_hides_the_same_cells_as_the_table(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    """The single Kilis referral is hidden in both tables, and so is every total that would
    give it back; everything of 5 or more stays exact, in the same cells of both formats."""
    assert main(["report", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out))) == [
        list(COUNT_HEADER),
        ["2024-03", "gaziantep", "medical", "high", "acknowledged", "10"],
        ["2024-03", "hatay", "legal", "high", "sent", "6"],
        ["2024-03", "kilis", "medical", "low", "acknowledged", "<5"],
        [],
        list(ACK_HEADER),
        ["health_ngo", "10", "4.00", "5", "10", "0.500"],
        ["kilis_clinic", "<5", "x", "<5", "<5", "x"],
        ["law_ngo", "0", "", "0", "6", "0.000"],
        ["all", "x", "2.00", "x", "x", "x"]]
    assert captured.err.splitlines() == [
        "Referrals with statistics consent, all hubs, all time: between 17 and 20 counted, "
        "<5 left out (no statistics consent)", NOTE]
    assert main(["report"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Referrals with statistics consent, all hubs, all time: "
                               "between 17 and 20 counted, <5 left out")
    assert lines[1:] == [
        NOTE,
        "",
        "Referrals per month created, hub, case type, risk and current status",
        "month    hub        case type  risk  status        referrals",
        "2024-03  gaziantep  medical    high  acknowledged         10",
        "2024-03  hatay      legal      high  sent                  6",
        "2024-03  kilis      medical    low   acknowledged         <5",
        "",
        "Acknowledgement per agency (time from referral to first acknowledgement; in time: "
        "by the deadline)",
        "agency        acknowledged  median hours  in time  decided  share in time",
        "health_ngo              10           4.0        5       10            50%",
        "kilis_clinic            <5             x       <5       <5              x",
        "law_ngo                  0             -        0        6             0%",
        "all agencies             x           2.0        x        x              x"]


def test_end_to_end_a_report_of_only_large_counts_keeps_every_figure_and_total(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "csv", "--hub", "gaziantep"]) == 0
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out)))[1:2] == [
        ["2024-03", "gaziantep", "medical", "high", "acknowledged", "10"]]
    assert list(csv.reader(io.StringIO(captured.out)))[-2:] == [
        ["health_ngo", "10", "4.00", "5", "10", "0.500"],
        ["all", "10", "4.00", "5", "10", "0.500"]]
    assert "hub gaziantep, all time: 10 counted, 0 left out" in captured.err


def test_end_to_end_the_threshold_can_be_raised(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "csv", "--min-count", "7", "--only", "counts"]) == 0
    captured = capsys.readouterr()
    assert [row[-1] for row in csv.reader(io.StringIO(captured.out))] == [
        "referrals", "10", "<7", "<7"]
    assert "between 12 and 22 counted, <7 left out" in captured.err
    assert "Counts from 1 to 6 are shown as <7" in captured.err


def test_min_count_1_shows_every_count_and_warns_in_both_formats(
        busy: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    warning = ("warning: --min-count 1: every count is shown, however small; do not share "
               "this report beyond people allowed to see case-level data")
    assert main(["report", "--min-count", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == warning
    assert "<" not in out and " x " not in out
    assert main(["report", "--min-count", "1", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert warning in captured.err.splitlines()
    assert ["all", "11", "2.00", "6", "17", "0.353"] in csv.reader(io.StringIO(captured.out))


@pytest.mark.parametrize(("value", "message"), [
    ("0", "the minimum count must be 1 or more (1 hides nothing), not 0"),
    ("-3", "the minimum count must be 1 or more (1 hides nothing), not -3"),
    ("2", "a minimum count of 2 would hide nothing (a count above 0 and below 2 can only be "
          "1): use 1 to show every count, or 3 or more"),
    ("five", "not a whole number: 'five' (give 1 or more; 1 hides nothing)"),
    ("2.5", "not a whole number: '2.5' (give 1 or more; 1 hides nothing)"),
    ("", "not a whole number: '' (give 1 or more; 1 hides nothing)"),
])
def test_a_bad_min_count_is_refused_with_usage(
        value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--min-count", value])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: intake report")
    assert err.rstrip().endswith(f"error: argument --min-count: {message}")


def test_the_help_states_the_suppression_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for part in ["a count from 1 to N-1 is shown as <N",
                 "a total is withheld (shown as x) whenever one of the counts it adds up is "
                 "hidden", "a share in time is withheld", "a median of fewer than N",
                 "in the table and the CSV alike", "--min-count N", "(default 5)"]:
        assert part in text
