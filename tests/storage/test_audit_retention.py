"""The audit trail stays bounded and is kept as long as what it explains: strangers' and
invitation guesses' refusals are counted on one row per hour; the purge removes only rows
that outlived the retention period after their referral's data went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from storage.audit import purge_audit
from storage.models import AuditEntry, Referral
from storage.retention import purge
from storage.stores import Storage
from tests.storage.builders import request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAYS = timedelta(days=90)


def rows(storage: Storage) -> int:
    with storage.engine.connect() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_flood_of_strangers_and_guesses_adds_a_row_an_hour_with_its_count(
        storage: Storage) -> None:
    audit = storage.audit
    for second in range(0, 3600, 6):  # 600 messages in one hour, of each kind
        audit.record("stranger", "refused_stranger", None, NOW + timedelta(seconds=second))
        audit.record("stranger", "refused_invite", None, NOW + timedelta(seconds=second))
    audit.record("stranger", "refused_stranger", None, NOW + timedelta(hours=1))
    assert rows(storage) == 3
    counted = [(r.action, r.count, r.at) for r in audit.search()]
    assert counted == [("refused_stranger", 600, NOW), ("refused_invite", 600, NOW),
                       ("refused_stranger", 1, NOW + timedelta(hours=1))]


def test_what_enrolled_people_do_is_never_folded(storage: Storage) -> None:
    for _ in range(3):
        storage.audit.record("staff:1", "view", None, NOW)
    assert [r.count for r in storage.audit.search()] == [1, 1, 1]


def referral(storage: Storage, code_at: datetime, erased: datetime | None) -> str:
    code = storage.referrals.create(request(), referrer_id=None, agency="agency_b",
                                    at=code_at)
    storage.audit.record("staff:1", "view", code, code_at)
    if erased is not None:
        with storage.engine.begin() as db:
            db.execute(update(Referral).where(Referral.code == code).values(
                erased_at=erased, card=None, contact=None))
    return code


def test_the_purge_keeps_rows_while_what_they_explain_is_kept(storage: Storage) -> None:
    long_ago = NOW - 3 * DAYS
    open_code = referral(storage, long_ago, None)  # still held: kept whatever its age
    recent = referral(storage, long_ago, NOW - DAYS + timedelta(days=1))  # erased lately
    old = referral(storage, long_ago, NOW - DAYS - timedelta(days=1))  # erased long ago
    storage.audit.record("stranger", "refused_stranger", None, long_ago)
    storage.audit.record("cli", "invite", None, NOW - timedelta(days=1), subject="invite:1")
    with storage.context.writing() as db:
        assert purge_audit(db, NOW, DAYS) == 2
    left = {(r.action, r.code) for r in storage.audit.search()}
    assert left == {("view", open_code), ("view", recent), ("invite", None)}
    assert old not in {r.code for r in storage.audit.search()}


def test_the_retention_purge_runs_it(storage: Storage) -> None:
    storage.audit.record("stranger", "refused_stranger", None, NOW - 2 * DAYS)
    purge(storage.context, NOW, older_than=DAYS, idle=timedelta(minutes=30))
    assert storage.audit.search() == []


def test_a_dry_run_deletes_nothing(storage: Storage) -> None:
    storage.audit.record("stranger", "refused_stranger", None, NOW - 2 * DAYS)
    purge(storage.context, NOW, older_than=DAYS, idle=timedelta(minutes=30), dry_run=True)
    assert rows(storage) == 1
