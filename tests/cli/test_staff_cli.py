"""``intake staff`` and ``intake audit`` on a real SQLite file: labels shown in lists,
pending invitations listed and cancelled, bounded validity, a revoke that names whom, the
audit trail read with filters, and one clear ``error:`` line for every bad value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.directory import load_directory
from bot.flows.library import FlowLibrary
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage

LABEL = "MSF clinic nurse, Gaziantep"


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    """``intake`` pointed at a migrated SQLite file, and a store to look at it with."""
    key, index_key = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_KEYS", key)
    monkeypatch.setenv("INTAKE_INDEX_KEY", index_key)
    monkeypatch.delenv("INTAKE_BOT_USERNAME", raising=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Storage.on(engine, Cipher([key], index_key=index_key))
    try:
        yield store
    finally:
        store.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def invite(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Invite a referrer; (invitation id, code)."""
    code, out, _ = run(capsys, "staff", "invite", "--role", "referrer", *extra)
    assert code == 0, out
    found = re.search(r"Invitation (\d+):.*/start (\S+)", out, re.S)
    assert found, out
    return int(found.group(1)), found.group(2)


def test_a_label_given_at_invitation_shows_in_both_lists(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    invite_id, code = invite(capsys, "--hub", "hatay", "--label", f"  {LABEL} ")
    status, out, _ = run(capsys, "staff", "invites")
    assert status == 0
    row = next(line for line in out.splitlines() if line.split()[0] == str(invite_id))
    assert row.split()[1:3] == ["referrer", "-"] and row.endswith(LABEL)
    assert code not in out  # only a keyed hash of a code is kept
    from bot.service.invites import InviteDesk
    from storage.clock import SystemClock

    desk = InviteDesk(storage.invites, storage.staff, storage.audit, SystemClock(),
                      storage.unit)
    assert desk.redeem(code, 4711, "ar") is not None
    _, out, _ = run(capsys, "staff", "list")
    assert out.splitlines()[1].endswith(f"active       {LABEL}")
    assert "4711" not in out
    _, out, _ = run(capsys, "staff", "invites")
    assert out.splitlines()[-1] == "0 pending invitation(s)"


def test_a_cancelled_invitation_leaves_the_list_and_enrols_no_one(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    first, code = invite(capsys)
    second, _ = invite(capsys, "--days", "30")
    assert run(capsys, "staff", "cancel", str(first)) == (
        0, f"Invitation {first} cancelled: its link enrols no one.\n", "")
    _, out, _ = run(capsys, "staff", "invites")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == [str(second)]
    assert storage.invites.take(code, storage.audit.search()[-1].at) is None
    assert run(capsys, "staff", "cancel", str(first)) == (
        2, "", f"error: no pending invitation {first} (see 'intake staff invites')\n")


def test_a_revoke_names_whom_in_the_audit_trail(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    member = storage.staff.enrol(31, "focal_point", agency="example_health", hub=None,
                                 language="en", at=datetime.now(UTC), label="Case worker")
    status, out, _ = run(capsys, "staff", "revoke", str(member))
    assert status == 0 and out.startswith(f"Staff member {member} (Case worker) revoked")
    [row] = storage.audit.search(action="revoke")
    assert (row.actor, row.subject) == ("cli", f"staff:{member}")
    assert not storage.staff.get(member).active
    _, out, _ = run(capsys, "audit", "--actor", f"staff:{member}")
    assert re.search(rf"cli +revoke +- +staff:{member}$", out.splitlines()[1])


@pytest.mark.parametrize(("argv", "error"), [
    (["--days", "31"], "--days must be between 1 and 30 (got 31)"),
    (["--days", "0"], "--days must be between 1 and 30 (got 0)"),
    (["--label", ""], "a label cannot be empty"),
    (["--label", "Amira, +90 555 123 4567"], "a label describes a role, such as 'MSF clinic "
     "nurse, Gaziantep': no phone numbers, e-mail addresses or @usernames"),
    (["--hub", "atlantis"], "unknown hub 'atlantis' (known: {hubs})"),
])
def test_a_bad_invitation_is_refused_on_one_line_and_stores_nothing(
        storage: Storage, capsys: pytest.CaptureFixture[str], argv: list[str],
        error: str) -> None:
    error = error.replace("{hubs}", ", ".join(sorted(load_directory().hubs)))
    assert run(capsys, "staff", "invite", "--role", "referrer", *argv) == (
        2, "", f"error: {error}\n")
    assert storage.audit.search() == []


def test_revoking_an_unknown_member_is_one_error_line(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "staff", "revoke", "9") == (
        2, "", "error: no staff member 9 (see 'intake staff list')\n")


def test_the_audit_command_filters_and_prints_no_personal_data(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    storage.audit.record("staff:4", "view", "K7Q-4MX-2PY", now - timedelta(days=3))
    storage.audit.record("staff:4", "reveal", "K7Q-4MX-2PY", now - timedelta(hours=2))
    storage.audit.record("staff:5", "view", None, now - timedelta(hours=1))
    _, out, _ = run(capsys, "audit")
    assert out.splitlines()[0].split() == ["time", "(UTC)", "actor", "action", "code",
                                           "subject"]
    assert out.splitlines()[-1] == "3 row(s)"
    _, out, _ = run(capsys, "audit", "--code", "k7q4mx2py", "--since", "1d")
    assert [line.split()[2:4] for line in out.splitlines()[1:-1]] == [
        ["staff:4", "reveal"]]
    _, out, _ = run(capsys, "audit", "--actor", "staff", "--action", "view")
    assert [line.split()[2] for line in out.splitlines()[1:-1]] == ["staff:4", "staff:5"]
    _, out, _ = run(capsys, "audit", "--limit", "1")
    assert out.splitlines()[1].split()[2] == "staff:5"
    assert out.splitlines()[-1] == "1 row(s), the newest 1: use --limit or --since for more"
    _, out, _ = run(capsys, "audit", "--since",
                    (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    assert out.splitlines()[-1] == "2 row(s)"


@pytest.mark.parametrize(("argv", "error"), [
    (["--code", "K7Q"], "--code: a case code has 9 characters, like K7Q-4MX-2PY; this one "
     "has 3"),
    (["--actor", "Amira Khalil"], "--actor 'Amira Khalil' is not an actor: use a component "
     "such as cli or worker, or kind:id such as staff:12"),
    (["--action", "DROP TABLE"], "--action 'DROP TABLE' is not an action: a lower-case verb "
     "such as reveal or revoke"),
    (["--since", "last week"], "--since 'last week' is not a date: use YYYY-MM-DD, "
     "YYYY-MM-DDTHH:MM (UTC) or a time ago such as 7d or 12h"),
    (["--limit", "0"], "--limit must be between 1 and 100000 (got 0)"),
])
def test_a_bad_audit_filter_is_one_error_line(
        storage: Storage, capsys: pytest.CaptureFixture[str], argv: list[str],
        error: str) -> None:
    assert run(capsys, "audit", *argv) == (2, "", f"error: {error}\n")


@pytest.mark.parametrize(("option", "value"), [("--lang", "xx"), ("--hub", "atlantis"),
                                               ("--flow", "nope")])
def test_the_simulator_refuses_an_unknown_language_hub_or_flow(
        capsys: pytest.CaptureFixture[str], library: FlowLibrary, option: str,
        value: str) -> None:
    known = {"--lang": list(library.current("intake").flow.languages),
             "--hub": sorted(load_directory().hubs), "--flow": sorted(library.flows)}[option]
    error = f"unknown {option} '{value}' (known: {', '.join(known)})"
    assert run(capsys, "chat", option, value) == (2, "", f"error: {error}\n")


def test_the_audit_command_never_creates_a_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "intake.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.setenv("INTAKE_KEYS", generate_key())
    monkeypatch.setenv("INTAKE_INDEX_KEY", generate_key())
    status, out, err = run(capsys, "audit")
    assert (status, out) == (2, "") and err.startswith(f"error: no database at {missing}")
    assert not missing.exists()
