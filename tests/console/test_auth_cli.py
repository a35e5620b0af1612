"""``intake console link --staff ID`` prints a one-time link for an active coordinator and
refuses anyone else on one error line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage

PUBLIC = "https://console.example.org"


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    key, index_key = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.chdir(tmp_path)
    for name, value in (("DATABASE_URL", url), ("INTAKE_KEYS", key),
                        ("INTAKE_INDEX_KEY", index_key), ("INTAKE_PUBLIC_URL", PUBLIC),
                        ("INTAKE_DATA_DIR", str(tmp_path))):
        monkeypatch.setenv(name, value)
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Storage.on(engine, Cipher([key], index_key=index_key))
    yield store
    store.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_coordinator_gets_a_link_on_the_public_address(
        storage: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    member = storage.staff.enrol(41, "coordinator", agency=None, hub=None, language="en",
                                 at=datetime.now(UTC))
    status, out, _ = run(capsys, "console", "link", "--staff", str(member))
    assert status == 0
    link, until = out.splitlines()
    assert re.fullmatch(rf"{re.escape(PUBLIC)}/console/signin/[A-Za-z0-9_-]{{43}}", link)
    assert re.fullmatch(r"valid once, until \d{4}-\d\d-\d\d \d\d:\d\d UTC", until)
    [row] = storage.audit.search(action="console_link")
    assert (row.actor, row.subject) == ("cli", f"staff:{member}")
    _, again, _ = run(capsys, "console", "link", "--staff", str(member))
    assert again.splitlines()[0] != link  # a new token every time


@pytest.mark.parametrize(("role", "active"), [("referrer", True), ("focal_point", True),
                                              ("coordinator", False)])
def test_anyone_but_an_active_coordinator_is_refused(
        storage: Storage, capsys: pytest.CaptureFixture[str], role: str, active: bool) -> None:
    member = storage.staff.enrol(42, role, agency="example_relief" if role == "focal_point"
                                 else None, hub=None, language="en",  # type: ignore[arg-type]
                                 at=datetime.now(UTC))
    storage.staff.set_active(member, active, datetime.now(UTC))
    status, out, err = run(capsys, "console", "link", "--staff", str(member))
    assert (status, out) == (2, "")
    assert err == (f"error: staff member {member} is not an active coordinator (see 'intake "
                   "staff list'); only coordinators can sign in to the console\n")
    assert storage.audit.search(action="console_link") == []


def test_an_unknown_member_is_refused(storage: Storage,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "console", "link", "--staff", "999")
    assert status == 2 and err.startswith("error: staff member 999 is not an active")


def test_the_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["console", "link", "--help"])
    assert "one-time link" in capsys.readouterr().out
