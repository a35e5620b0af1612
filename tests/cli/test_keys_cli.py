"""`intake keys rotate` draws its progress on a terminal only, ends it with a newline, and
says so when nothing was left to rotate."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.keys import Progress
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage
from tests.storage.builders import request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_and_ends_with_a_newline() -> None:
    out = Terminal()
    bar = Progress("rotating", out)
    bar(0, 30)
    bar(15, 30)
    bar(30, 30)
    bar.close()
    text = out.getvalue()
    assert "rotating" in text and "30/30" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_progress_writes_nothing_where_no_one_watches() -> None:
    out = io.StringIO()  # a pipe, a log file, cron's mail
    bar = Progress("rotating", out)
    bar(3, 30)
    bar.close()
    assert out.getvalue() == ""


@pytest.fixture
def old_key_database(fresh_machine: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A database with two referrals encrypted with OLD; returns (new, old)."""
    old, new, index = generate_key(), generate_key(), generate_key()
    engine = make_engine(f"sqlite:///{fresh_machine / 'intake.sqlite3'}")
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher([old], index))
    for _ in range(2):
        storage.referrals.create(request(), referrer_id=None, agency="agency_b", at=NOW)
    storage.close()
    monkeypatch.setenv("INTAKE_INDEX_KEY", index)
    return new, old


def test_a_second_rotation_says_nothing_was_left(
        old_key_database: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    new, old = old_key_database
    monkeypatch.setenv("INTAKE_KEYS", f"{new},{old}")
    assert main(["keys", "rotate"]) == 0
    first = capsys.readouterr()
    assert "rewritten" in first.out and "nothing" not in first.out
    assert first.err == ""  # not a terminal: no bar
    assert main(["keys", "rotate"]) == 0
    rows = first.out.split()[0]
    assert capsys.readouterr().out == (f"nothing left to rotate: all {rows} rows already use "
                                       "the newest key and current blind indexes\n")


def test_rotating_an_empty_database_says_there_is_nothing_yet(
        fresh_machine: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(f"sqlite:///{fresh_machine / 'intake.sqlite3'}")
    migrate.upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("INTAKE_KEYS", generate_key())
    monkeypatch.setenv("INTAKE_INDEX_KEY", generate_key())
    assert main(["keys", "rotate"]) == 0
    assert capsys.readouterr().out == "nothing to rotate: no encrypted value is stored yet\n"
