"""`intake report`: a readable table or CSV of aggregate figures, without case codes or
personal data, filtered by hub and day, and recorded in the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """A migrated SQLite file the command is pointed at, with four referrals in it: two
    acknowledged in Gaziantep, one waiting in Hatay, one without statistics consent."""
    key = generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_KEYS", key)
    engine = make_engine(url)
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher([key]))
    for hub, agency, acknowledged_after, scopes in [
            ("gaziantep", "health_ngo", 2, ("refer", "statistics")),
            ("gaziantep", "health_ngo", 6, ("refer", "statistics")),
            ("hatay", "law_ngo", None, ("refer", "statistics")),
            ("hatay", "law_ngo", None, ("refer",))]:
        code = storage.referrals.create(
            request(hub=hub, consent=scopes, contact={"phone": PHONE}), referrer_id=None,
            agency=agency, at=MARCH, acknowledge_by=MARCH + timedelta(hours=4),
            consent=consent(granted=scopes))
        if acknowledged_after is not None:
            storage.referrals.append_event(
                code, "acknowledged", at=MARCH + timedelta(hours=acknowledged_after),
                actor="staff:1")
    try:
        yield storage
    finally:
        storage.close()


def codes(storage: Storage) -> list[str]:
    return [record.code for record in storage.referrals.open()]


def test_the_table_has_both_sections_with_headers_and_no_case_code_or_personal_data(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0
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
    assert main(["report", "--format", "csv"]) == 0
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
    assert main(["report", "--hub", "hatay", "--format", "csv", "--only", "counts"]) == 0
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
