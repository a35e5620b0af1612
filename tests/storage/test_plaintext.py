"""Personal data never reaches the database or the logs in plaintext.

Recognisable values (a name, a phone number in several spellings, a sensitive free-text
answer, a staff member's Telegram id) go in through a full intake driven by the real
engine and through every store; then the whole database is dumped (SQLite: ``iterdump``
plus the raw bytes of the file and its WAL; PostgreSQL: every row of every table cast to
text) and searched, as is every log line captured meanwhile, with SQLAlchemy's statement
and parameter logging switched on.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.engine import Choice, Choices, Input, Text
from bot.engine import Engine as FlowEngine
from bot.engine.events import ConsentRecorded, ReferralRequested
from storage.models import metadata
from storage.stores import Storage
from tests.conftest import TODAY
from tests.storage.builders import request, session
from tests.storage.conftest import NOW

NAME = "Zeynep Karaoğlu-Testkişi"
PHONE = "+90 555 123 4567"
STORY = "he locks us in when the shelter lights go out"
TELEGRAM_ID = 7345123987
NEEDLES = (NAME, "Karaoğlu", PHONE, "555 123 4567", "5551234567", "+905551234567", STORY,
           "shelter lights", str(TELEGRAM_ID))

#: The PwSN pathway to a referral whose contact is a phone number (as in its scenarios).
PWSN_TO_PHONE: list[Input] = [
    Choice("older"), Choices(("none",)), Choice("person"), Choice("in_person"), Choice("yes"),
    Choice("yes"), Choice("yes"), Choices(("older_person",)), Choices(("none",)),
    Choices(("mobility", "alone", "no_income")), Choice("keep"), Choices(("medical",)),
    Choice("female"), Choice("phone"), Text(PHONE),
]


def full_intake(flows: FlowEngine, storage: Storage, chat_id: int) -> str:
    """Walk the real flow, saving the session after every step as the bot does, and store
    the referral it requests; returns the case code."""
    step = flows.start("pwsn", "en", today=TODAY, answers={"hub": "gaziantep"})
    storage.sessions.save(chat_id, step.session, NOW)
    events = list(step.events)
    for given in PWSN_TO_PHONE:
        step = flows.step(step.session, given, TODAY)
        storage.sessions.save(chat_id, step.session, NOW)
        events.extend(step.events)
    requested = [e for e in events if isinstance(e, ReferralRequested)]
    consent = [e for e in events if isinstance(e, ConsentRecorded)]
    assert len(requested) == 1 and requested[0].contact == {"phone": PHONE}
    return storage.referrals.create(requested[0], referrer_id=None, agency="health_ngo",
                                    acknowledge_by=NOW, at=NOW, consent=consent[0])


def seed_everything(flows: FlowEngine, storage: Storage) -> None:
    code = full_intake(flows, storage, chat_id=555001)
    storage.sessions.save(555002, session(name=NAME, story=STORY, phone=PHONE), NOW)
    staff = storage.staff.enrol(TELEGRAM_ID, "referrer", agency="food_ngo", hub="hatay",
                                language="tr", at=NOW)
    other = storage.referrals.create(
        request(envelope={"note": STORY}, contact={"name": NAME, "phone": PHONE}),
        referrer_id=staff, agency="health_ngo", acknowledge_by=NOW, at=NOW)
    storage.referrals.append_event(other, "declined", at=NOW, actor=f"staff:{staff}",
                                   reason=f"{NAME} is already known to us")
    storage.audit.record(f"staff:{staff}", "reveal", code, NOW)
    storage.reminders.schedule("acknowledge", NOW, code=code, agency="health_ngo")
    storage.updates.first_time(4242, NOW)
    # Reading everything back decrypts it: the values are really stored, only encrypted.
    assert storage.referrals.reveal_contact(other) == {"name": NAME, "phone": PHONE}
    assert storage.referrals.reveal_contact(code) == {"phone": PHONE}
    loaded = storage.sessions.load(555001)
    assert loaded is not None and loaded.answers["phone"] == PHONE


def dump(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database
        with sqlite3.connect(database) as connection:
            lines = "\n".join(connection.iterdump())
        raw = b"".join(p.read_bytes() for p in (Path(database), Path(f"{database}-wal"))
                       if p.exists())
        return lines + "\n" + raw.decode("utf-8", errors="replace")
    with engine.connect() as connection:
        return "\n".join(str(value) for table in metadata.sorted_tables
                         for value in connection.scalars(
                             text(f'SELECT t::text FROM "{table.name}" t')))


def found(haystack: str) -> list[str]:
    folded = haystack.casefold()
    return [needle for needle in NEEDLES if needle.casefold() in folded]


def test_no_personal_data_appears_in_a_dump_of_the_database_or_in_the_logs(
        database: Engine, storage: Storage, engine: FlowEngine,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG)  # last: the capture keeps DEBUG (intake.sql's statements)
    seed_everything(engine, storage)
    everything = dump(database)
    assert "health_ngo" in everything and "gaziantep" in everything  # the dump is real
    assert found(everything) == []
    assert "INSERT INTO referrals" in caplog.text  # statements were logged
    assert "INSERT INTO staff" in caplog.text  # and SQLAlchemy's, with their parameters
    assert found(caplog.text) == []

