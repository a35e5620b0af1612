"""On SQLite, erasure and the purge leave no erased ciphertext in the database file or its
``-wal``: ``secure_delete`` zeroes the old values on every connection and a truncating
checkpoint empties the write-ahead log afterwards.

Some builds of SQLite (Debian's among them) turn ``secure_delete`` on by default; the
tests turn it off first on every connection, as a build without that default has it, so
they show what the product's own setting does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, text

from bot.ports import CLOSED
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine, scrub
from storage.models import Conversation, Referral
from storage.retention import erase, purge
from storage.stores import Storage
from tests.storage.builders import request, session
from tests.storage.conftest import NOW, sqlite_url

MARKER = "+90 555 010 7788 scrub-marker"
REFERRER_CHAT = 4242


def insecure_by_default(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")  # type: ignore[attr-defined]


@pytest.fixture
def on_file(tmp_path: Path) -> Iterator[tuple[Storage, Path]]:
    engine = make_engine(sqlite_url(tmp_path))
    event.listen(engine, "connect", insecure_by_default, insert=True)  # before the product's
    migrate.upgrade(engine)
    try:
        yield Storage.on(engine, Cipher([generate_key()], index_key=generate_key())), \
            tmp_path / "intake.sqlite3"
    finally:
        engine.dispose()


def stored_ciphertexts(engine: Engine, code: str) -> list[bytes]:
    """The referral's card and contact, and the idle conversation, as stored."""
    with engine.connect() as connection:
        card, contact = connection.execute(select(Referral.card, Referral.contact)
                                           .where(Referral.code == code)).one()
        state = connection.scalar(select(Conversation.state)
                                  .where(Conversation.chat_id == REFERRER_CHAT))
    assert card and contact and state
    return [card.encode(), contact.encode(), state.encode()]


def on_disk(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def erase_it(storage: Storage, code: str) -> None:
    erase(storage.context, code, at=NOW, actor="cli")


def purge_it(storage: Storage, code: str) -> None:
    storage.referrals.append_event(code, CLOSED, at=NOW - timedelta(days=100), actor="s:1")
    assert purge(storage.context, NOW, older_than=timedelta(days=90),
                 idle=timedelta(minutes=30)).referrals == 1


@pytest.mark.parametrize(("remove", "erased"), [(erase_it, 2), (purge_it, 3)],
                         ids=["erase", "purge"])
def test_no_erased_ciphertext_is_left_in_the_database_or_its_wal(
        on_file: tuple[Storage, Path], remove: Callable[[Storage, str], None],
        erased: int) -> None:
    """Erasure erases the card and contact; the purge the idle conversation too."""
    storage, path = on_file
    code = storage.referrals.create(request(contact={"phone": MARKER}), referrer_id=None,
                                    agency="a", at=NOW - timedelta(days=101))
    for chat in range(REFERRER_CHAT - 3, REFERRER_CHAT + 3):  # neighbours on its page
        storage.sessions.save(chat, session(note=MARKER), NOW - timedelta(hours=1))
    needles = [*stored_ciphertexts(storage.engine, code), MARKER.encode()]
    scrub(storage.engine)  # the ciphertext is in the main file now, not only in the log
    before = on_disk(path)
    assert all(needle[:60] in before for needle in needles[:3])
    remove(storage, code)
    after = on_disk(path)
    assert path.with_name(path.name + "-wal").stat().st_size == 0
    for needle in [*needles[:erased], needles[-1]]:
        assert needle[:60] not in after


def test_every_connection_deletes_securely(on_file: tuple[Storage, Path]) -> None:
    storage, _ = on_file
    for _ in range(2):
        with storage.engine.connect() as connection:
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_scrub_does_nothing_off_sqlite(pg_engine: Engine) -> None:
    assert scrub(pg_engine) is True
