"""Key rotation re-encrypts every encrypted column, in batches, and loses nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from bot.__main__ import main
from storage.crypto import Cipher, DecryptionError, generate_key
from storage.database import make_engine
from storage.models import Conversation, Encrypted, metadata
from storage.rotation import plans, rotate
from storage.stores import Storage
from tests.storage.builders import request, session
from tests.storage.conftest import NOW, sqlite_url, truncate_all


def seed(storage: Storage, count: int = 7) -> list[str]:
    """Something in every encrypted column, ``count`` times over."""
    codes = []
    for n in range(count):
        storage.sessions.save(n, session(note=f"free text {n}"), NOW)
        staff = storage.staff.enrol(1000 + n, "referrer", agency="a", hub=None, language="en",
                                    at=NOW)
        code = storage.referrals.create(request(contact={"phone": f"+90 555 000 00{n:02}"}),
                                        referrer_id=staff, agency="a", at=NOW)
        storage.referrals.append_event(code, "declined", at=NOW, actor="staff:1",
                                       reason=f"reason {n}")
        codes.append(code)
    return codes


def assert_all_readable(storage: Storage, codes: list[str]) -> None:
    for n, code in enumerate(codes):
        loaded = storage.sessions.load(n)
        assert loaded is not None and loaded.answers == {"note": f"free text {n}"}
        assert storage.referrals.reveal_contact(code) == {"phone": f"+90 555 000 00{n:02}"}
        assert storage.referrals.get(code).envelope == request().envelope
        assert storage.referrals.events(code)[-1].reason == f"reason {n}"
        found = storage.staff.by_telegram(1000 + n)
        assert found is not None and storage.staff.telegram_id(found.id) == 1000 + n


def test_every_encrypted_column_of_the_models_is_rotated() -> None:
    rotated = {f"{plan.table.name}.{c.name}" for plan in plans() for c in plan.encrypted}
    declared = {f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns
                if isinstance(c.type, Encrypted)}
    assert rotated == declared == {
        "conversations.state", "referrals.card", "referrals.contact",
        "referral_events.reason", "staff.telegram_id", "inbox.body", "agency_messages.chat_id",
        "key_canary.sealed"}


def test_values_saved_with_two_keys_listed_are_encrypted_with_the_newest(
        database: Engine) -> None:
    """Every encrypted column of every row written while an old key is still listed opens
    with the newest key alone, and not with the old one: rotation is left nothing to do."""
    old, new, index = generate_key(), generate_key(), generate_key()
    seed(Storage.on(database, Cipher([new, old], index)), count=2)
    newest, oldest = Cipher([new]), Cipher([old])
    tokens = []
    with database.connect() as connection:
        for plan in plans():
            for column in plan.encrypted:
                tokens += [t for t in connection.scalars(select(column)) if t is not None]
    assert len(tokens) == 2 * 5  # a conversation, a staff member, card, contact, a reason
    for token in tokens:
        assert newest.is_current(token)
        newest.decrypt(token)
        with pytest.raises(DecryptionError):
            oldest.decrypt(token)


def test_after_rotating_the_old_key_can_be_dropped_and_everything_still_decrypts(
        database: Engine) -> None:
    engine = database
    old, new, index = generate_key(), generate_key(), generate_key()
    codes = seed(Storage.on(engine, Cipher([old], index)))
    seen: list[tuple[int, int]] = []
    report = rotate(Storage.on(engine, Cipher([new, old], index)).context, batch_size=3,
                    progress=lambda done, total: seen.append((done, total)))
    # Per seed: a conversation, a staff member, a referral and two events (one with a reason).
    assert (report.rows, report.rewritten, report.values) == (7 * 5, 7 * 4, 7 * 5)
    assert seen[0] == (0, 35) and seen[-1] == (35, 35)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert_all_readable(Storage.on(engine, Cipher([new], index)), codes)
    with pytest.raises(DecryptionError):
        Storage.on(engine, Cipher([old], index)).sessions.load(0)


def test_rotating_twice_rewrites_nothing_the_second_time(database: Engine) -> None:
    engine = database
    old, new, index = generate_key(), generate_key(), generate_key()
    codes = seed(Storage.on(engine, Cipher([old], index)), count=2)
    both = Storage.on(engine, Cipher([new, old], index))
    rotate(both.context)
    again = rotate(both.context)
    assert (again.rows, again.rewritten, again.values) == (10, 0, 0)
    assert_all_readable(Storage.on(engine, Cipher([new], index)), codes)


def test_a_new_index_key_is_applied_by_rotation(database: Engine) -> None:
    engine = database
    key, old_index, new_index = generate_key(), generate_key(), generate_key()
    seed(Storage.on(engine, Cipher([key], old_index)), count=2)
    moved = Storage.on(engine, Cipher([key], new_index))
    assert moved.staff.by_telegram(1000) is None
    report = rotate(moved.context)
    assert (report.rewritten, report.values) == (2, 0)
    assert moved.staff.by_telegram(1000) is not None


def test_a_missing_old_key_stops_rotation_with_a_clear_error_and_changes_nothing(
        database: Engine) -> None:
    engine = database
    old, index = generate_key(), generate_key()
    codes = seed(Storage.on(engine, Cipher([old], index)), count=2)
    with pytest.raises(DecryptionError, match="put that key back"):
        rotate(Storage.on(engine, Cipher([generate_key()], index)).context)
    assert_all_readable(Storage.on(engine, Cipher([old], index)), codes)


def test_a_value_saved_during_rotation_is_not_overwritten_by_the_older_one(
        pg_engine: Engine) -> None:
    """Compare-and-swap: the row changed between read and write keeps its new value.
    PostgreSQL only: on SQLite a rotation batch holds the write lock, so nothing can save
    in between."""
    engine = pg_engine
    truncate_all(engine)
    old, new = generate_key(), generate_key()
    Storage.on(engine, Cipher([old])).sessions.save(1, session(step="before"), NOW)
    both = Storage.on(engine, Cipher([new, old]))
    real_rotate = both.context.cipher.rotate

    def rotate_while_the_bot_saves(token: str) -> str:
        # The bot, already on the new key, saves a newer session of the same chat now.
        with engine.begin() as connection:
            connection.execute(update(Conversation).values(
                state=both.context.cipher.encrypt(session(step="after").to_json()),
                updated_at=NOW + timedelta(minutes=1)))
        return real_rotate(token)

    both.context.cipher.rotate = rotate_while_the_bot_saves  # type: ignore[method-assign]
    report = rotate(both.context)
    assert report.rewritten == 0
    loaded = Storage.on(engine, Cipher([new])).sessions.load(1)
    assert loaded is not None and loaded.answers == {"step": "after"}


def test_intake_keys_rotate_drops_nothing_and_draws_no_bar_off_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path)
    old, new, index = generate_key(), generate_key(), generate_key()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_INDEX_KEY", index)
    monkeypatch.setenv("INTAKE_KEYS", old)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    codes = seed(Storage.on(engine, Cipher([old], index)), count=3)
    capsys.readouterr()
    monkeypatch.setenv("INTAKE_KEYS", f"{new},{old}")
    assert main(["keys", "rotate", "--batch-size", "2"]) == 0
    out, err = capsys.readouterr()
    assert "rotating" not in err  # standard error is not a terminal here
    assert out == "15 rows checked, 12 rewritten (15 values re-encrypted with the newest key)\n"
    assert_all_readable(Storage.on(engine, Cipher([new], index)), codes)
    with engine.connect() as connection:
        tokens = list(connection.scalars(select(Conversation.state)))
    assert all(Cipher([new]).is_current(t) for t in tokens)
    engine.dispose()


def test_intake_keys_rotate_without_keys_says_what_to_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    monkeypatch.delenv("INTAKE_KEYS", raising=False)
    monkeypatch.delenv("INTAKE_KEYS_FILE", raising=False)
    assert main(["keys", "rotate"]) == 2
    assert "error: no encryption key: set INTAKE_KEYS" in capsys.readouterr().err


def test_intake_keys_generate_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    assert Cipher([key]).decrypt(Cipher([key]).encrypt("x")) == "x"
