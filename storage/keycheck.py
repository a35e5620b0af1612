"""Do the configured keys fit the stored data? Checked by ``intake run`` before it starts.

With a wrong ``INTAKE_KEYS`` the bot would run, fail on every stored conversation and
referral, and store new data under a key the old data does not share; with a wrong
``INTAKE_INDEX_KEY`` no enrolled member would be recognised. So the start refuses, with one
line naming the setting, before any call to Telegram.

The proof is a canary (``storage.models.KeyCanary``), written at the first start: a fixed
text encrypted with the keys, and its blind index. A database that holds data from before
the canary existed is checked on a sample of its rows instead (the newest few of every
table with encrypted columns) before the canary is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.crypto import Cipher, DecryptionError
from storage.models import Invite, KeyCanary
from storage.rotation import plans
from storage.sql import Context, rowcount

#: What the canary seals: nothing about anyone.
CANARY = "intake key canary"
CANARY_ID = 1
SAMPLE = 3


class KeyMismatch(RuntimeError):
    """The keys do not fit the stored data; the message names the setting to fix."""


def _fernet_mismatch(cipher: Cipher) -> KeyMismatch:
    return KeyMismatch(
        f"{cipher.source} does not decrypt the stored data: the key it was written with is "
        "missing (put that key back, after any new one; `intake keys rotate` then "
        "re-encrypts with the new one)")


def _index_mismatch() -> KeyMismatch:
    return KeyMismatch(
        "INTAKE_INDEX_KEY is not the key the stored blind indexes were made with: put that "
        "key back, or run `intake keys rotate` to recompute them with the new one")


def check_keys(context: Context, at: datetime, sample: int = SAMPLE) -> bool:
    """Raise :class:`KeyMismatch` unless the keys fit what is stored; True when this was
    the first check, which wrote the canary."""
    cipher = context.cipher
    with context.engine.connect() as db:
        row = db.execute(select(KeyCanary.sealed, KeyCanary.index)
                         .where(KeyCanary.id == CANARY_ID)).first()
    if row is not None:
        sealed, index = row
        try:
            cipher.decrypt(sealed)
        except DecryptionError:
            raise _fernet_mismatch(cipher) from None
        if cipher.blind_index(CANARY) != index:
            raise _index_mismatch()
        return False
    check_sample(context, sample)
    try:
        with context.engine.begin() as db:
            db.execute(insert(KeyCanary).values(
                id=CANARY_ID, sealed=cipher.encrypt(CANARY), index=cipher.blind_index(CANARY),
                written_at=at))
    except IntegrityError:  # another process starting at the same moment wrote it
        return check_keys(context, at, sample)
    return True


def check_sample(context: Context, sample: int = SAMPLE) -> None:
    """Decrypt the newest ``sample`` rows of every table with encrypted columns, and check
    their blind indexes."""
    cipher = context.cipher
    with context.engine.connect() as db:
        for plan in plans():
            if plan.table is KeyCanary.__table__:
                continue
            columns: list[Any] = [*plan.encrypted, *(i for i, _ in plan.indexes)]
            rows = db.execute(select(*columns).order_by(plan.key.desc()).limit(sample))
            for row in rows:
                values = row._mapping
                for column in plan.encrypted:
                    if values[column] is not None:
                        try:
                            cipher.decrypt(values[column])
                        except DecryptionError:
                            raise _fernet_mismatch(cipher) from None
                for index, source in plan.indexes:
                    if values[source] is not None and values[index] != cipher.blind_index(
                            cipher.decrypt(values[source])):
                        raise _index_mismatch()


def reindex_canary(context: Context, at: datetime, indexes_changed: bool) -> int:
    """After ``intake keys rotate``: when the blind-index key changed (the canary's index,
    or any recomputed index, says so), invalidate every pending invitation, since its code
    is not stored and its index cannot be recomputed, and record the new canary index
    (a database without a canary gets one at the next start).
    Returns how many invitations were invalidated."""
    cipher = context.cipher
    wanted = cipher.blind_index(CANARY)
    with context.engine.begin() as db:
        stored = db.scalar(select(KeyCanary.index).where(KeyCanary.id == CANARY_ID))
        changed = indexes_changed or (stored is not None and stored != wanted)
        dropped = 0
        if changed:
            dropped = rowcount(db.execute(delete(Invite).where(
                Invite.used_at.is_(None), Invite.expires_at > at)))
            # Expired or used invitations keep their row (the list and audit name them);
            # none of them can enrol anyone, under either key.
        if stored is not None and stored != wanted:  # none yet: `intake run` writes it
            db.execute(update(KeyCanary).where(KeyCanary.id == CANARY_ID)
                       .values(index=wanted))
    return dropped
