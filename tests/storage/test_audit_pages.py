"""Keyset pages of the audit trail, on both databases: newest first, every row once however
the pages fall, rows with the same time ordered by id, and a hub's pages limited to its
referrals' codes and its staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.stores import Storage
from tests.storage.builders import request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_pages_give_every_row_once_newest_first(storage: Storage) -> None:
    audit = storage.audit
    for number in range(25):  # five rows at each of five times
        audit.record(f"staff:{number + 1}", "view", None, NOW + timedelta(minutes=number // 5))
    seen: list[str] = []
    before = None
    while True:
        page = audit.page(action="view", before=before, limit=7)
        if not page:
            break
        seen.extend(row.actor for row in page)
        before = (page[-1].at, page[-1].id)
    assert seen == [f"staff:{number}" for number in range(25, 0, -1)]


def test_until_excludes_its_own_moment_and_since_includes_it(storage: Storage) -> None:
    audit = storage.audit
    for hours in range(4):
        audit.record("worker", "remind", None, NOW + timedelta(hours=hours))
    found = audit.page(since=NOW + timedelta(hours=1), until=NOW + timedelta(hours=3))
    assert [row.at for row in found] == [NOW + timedelta(hours=2), NOW + timedelta(hours=1)]


def test_a_hubs_pages_hold_its_referrals_and_its_staff_only(storage: Storage) -> None:
    kilis = storage.referrals.create(request(hub="kilis"), referrer_id=None,
                                     agency="example_health", at=NOW)
    hatay = storage.referrals.create(request(hub="hatay"), referrer_id=None,
                                     agency="example_health", at=NOW)
    audit = storage.audit
    audit.record("staff:1", "view", kilis, NOW)
    audit.record("staff:9", "view", hatay, NOW)
    audit.record("staff:9", "enrol", None, NOW)
    audit.record("cli", "revoke", None, NOW, subject="staff:1")
    audit.record("worker", "remind", hatay, NOW)
    found = audit.page(hub="kilis", hub_actors=["staff:1"])
    assert sorted((row.actor, row.action, row.code) for row in found) == [
        ("cli", "revoke", None), ("staff:1", "view", kilis)]
