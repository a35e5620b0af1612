"""The start-up key check: the keys that wrote the data pass, any other Fernet or index key
is refused with one message naming its setting; rotating the index key re-indexes staff and
invalidates pending invitations, after which the check passes again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select

from bot.service.invites import Invite
from storage.crypto import Cipher, generate_key
from storage.keycheck import CANARY, KeyMismatch, check_keys, reindex_canary
from storage.models import KeyCanary
from storage.rotation import rotate
from storage.stores import Storage
from tests.storage.builders import request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OLD, NEW, INDEX, OTHER_INDEX = (generate_key() for _ in range(4))
FERNET = ("INTAKE_KEYS does not decrypt the stored data: the key it was written with is "
          "missing (put that key back, after any new one; `intake keys rotate` then "
          "re-encrypts with the new one)")
FERNET_FILE = FERNET.replace("INTAKE_KEYS does", "INTAKE_KEYS_FILE (/run/keys) does")
INDEXED = ("INTAKE_INDEX_KEY is not the key the stored blind indexes were made with: put "
           "that key back, or run `intake keys rotate` to recompute them with the new one")


def on(engine: Engine, keys: list[str], index: str, source: str = "INTAKE_KEYS") -> Storage:
    return Storage.on(engine, Cipher(keys, index, source))


def fill(storage: Storage) -> None:
    storage.referrals.create(request(), referrer_id=None, agency="agency_b", at=NOW)
    storage.staff.enrol(501, "referrer", agency=None, hub=None, language="en", at=NOW)


def test_the_first_check_writes_the_canary_and_later_ones_pass(database: Engine) -> None:
    storage = on(database, [OLD], INDEX)
    assert check_keys(storage.context, NOW) is True
    assert check_keys(storage.context, NOW) is False
    with database.connect() as db:
        sealed = db.scalar(select(KeyCanary.sealed))
    assert sealed is not None and CANARY not in sealed  # encrypted
    # A new key put first, the old one kept: the canary still opens.
    assert check_keys(on(database, [NEW, OLD], INDEX).context, NOW) is False


@pytest.mark.parametrize(("keys", "index", "source", "message"), [
    ([NEW], INDEX, "INTAKE_KEYS", FERNET),
    ([NEW], INDEX, "INTAKE_KEYS_FILE (/run/keys)", FERNET_FILE),
    ([OLD], OTHER_INDEX, "INTAKE_KEYS", INDEXED),
    ([NEW, OLD], OTHER_INDEX, "INTAKE_KEYS", INDEXED),
], ids=["another-key", "another-key-from-a-file", "another-index-key", "both-changed"])
@pytest.mark.parametrize("canary", [True, False], ids=["canary", "sample-before-canary"])
def test_keys_that_did_not_write_the_data_are_refused_naming_the_setting(
        database: Engine, keys: list[str], index: str, source: str, message: str,
        canary: bool) -> None:
    first = on(database, [OLD], INDEX)
    fill(first)
    if canary:
        check_keys(first.context, NOW)
    with pytest.raises(KeyMismatch) as refused:
        check_keys(on(database, keys, index, source).context, NOW)
    assert str(refused.value) == message
    with database.connect() as db:  # a refused check writes nothing
        assert db.scalar(select(KeyCanary.id)) == (1 if canary else None)


def test_an_empty_database_takes_any_keys_then_holds_them(database: Engine) -> None:
    assert check_keys(on(database, [OLD], INDEX).context, NOW) is True
    with pytest.raises(KeyMismatch):
        check_keys(on(database, [NEW], INDEX).context, NOW)


def invite(storage: Storage, code: str, expires: timedelta, used: bool = False) -> None:
    storage.invites.add(code, Invite("referrer", None, None, NOW + expires), NOW)
    if used:
        assert storage.invites.take(code, NOW) is not None


def test_rotating_the_index_key_reindexes_staff_and_invalidates_pending_invitations(
        database: Engine) -> None:
    before = on(database, [OLD], INDEX)
    fill(before)
    check_keys(before.context, NOW)
    invite(before, "pending-1", timedelta(days=2))
    invite(before, "pending-2", timedelta(days=1))
    invite(before, "used", timedelta(days=2), used=True)
    invite(before, "expired", timedelta(days=-1))

    after = on(database, [OLD], OTHER_INDEX)
    with pytest.raises(KeyMismatch):
        check_keys(after.context, NOW)
    report = rotate(after.context)
    assert report.indexes == 1  # the staff member's telegram id
    assert reindex_canary(after.context, NOW, report.indexes > 0) == 2
    assert check_keys(after.context, NOW) is False  # starts again
    assert after.staff.by_telegram(501) is not None  # still recognised under the new key
    assert after.invites.pending(NOW) == []
    assert after.invites.take("pending-1", NOW) is None
    # A second rotation finds nothing changed and invalidates nothing more.
    again = rotate(after.context)
    assert again.indexes == 0
    assert reindex_canary(after.context, NOW, False) == 0


def test_rotating_the_fernet_key_alone_keeps_pending_invitations(database: Engine) -> None:
    before = on(database, [OLD], INDEX)
    fill(before)
    check_keys(before.context, NOW)
    invite(before, "pending", timedelta(days=2))
    after = on(database, [NEW, OLD], INDEX)
    report = rotate(after.context)
    assert report.indexes == 0 and report.values > 0
    assert reindex_canary(after.context, NOW, False) == 0
    assert check_keys(on(database, [NEW], INDEX).context, NOW) is False  # canary rotated too
    assert after.invites.take("pending", NOW) is not None


def test_an_index_change_without_a_canary_is_seen_from_the_reindexed_rows(
        database: Engine) -> None:
    before = on(database, [OLD], INDEX)
    fill(before)
    invite(before, "pending", timedelta(days=2))
    with database.begin() as db:
        db.execute(delete(KeyCanary))
    after = on(database, [OLD], OTHER_INDEX)
    report = rotate(after.context)
    assert reindex_canary(after.context, NOW, report.indexes > 0) == 1
