"""The console's referral listing pages through every referral once, newest first, by
keyset in both directions; filters by hub, status, overdue and case code; and reads no
encrypted column, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from storage.models import Encrypted, Referral
from storage.referral_listing import (
    MAX_PAGE_SIZE,
    ListedReferral,
    ListingFilter,
    SqlReferralListing,
    code_prefix,
)
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW


def make(storage: Storage, hub: str, *, hours_ago: float = 1, clock_hours: float = 4,
         status: str | None = None) -> str:
    at = NOW - timedelta(hours=hours_ago)
    code = storage.referrals.create(request(hub=hub), referrer_id=None, agency="example_health",
                                    at=at, acknowledge_by=at + timedelta(hours=clock_hours),
                                    case_due_at=at + timedelta(hours=72), consent=consent())
    if status is not None:
        storage.referrals.append_event(code, status, at=at + timedelta(minutes=5),
                                       actor="staff:1")
    return code


def every_page(listing: SqlReferralListing, where: ListingFilter, size: int,
               ) -> list[list[str]]:
    pages = []
    after = None
    while True:
        found = listing.page(where, NOW, after=after, size=size)
        pages.append([row.code for row in found.rows])
        if found.next_after is None:
            return pages
        after = found.next_after


def test_pages_hold_every_referral_once_newest_first_and_lead_back(storage: Storage) -> None:
    codes = [make(storage, "gaziantep", hours_ago=100 - n) for n in range(7)]
    listing = SqlReferralListing(storage.context)
    pages = every_page(listing, ListingFilter(), 3)
    assert pages == [codes[::-1][0:3], codes[::-1][3:6], codes[::-1][6:7]]
    first = listing.page(ListingFilter(), NOW, size=3)
    assert first.previous_before is None
    second = listing.page(ListingFilter(), NOW, after=first.next_after, size=3)
    assert second.previous_before is not None
    back = listing.page(ListingFilter(), NOW, before=second.previous_before, size=3)
    assert [r.code for r in back.rows] == [r.code for r in first.rows]
    assert back.previous_before is None and back.next_after == first.next_after
    last = listing.page(ListingFilter(), NOW, after=second.next_after, size=3)
    assert last.next_after is None and last.previous_before is not None


def test_a_hub_filter_shows_that_hub_only(storage: Storage) -> None:
    mine = {make(storage, "hatay") for _ in range(3)}
    make(storage, "kilis")
    listing = SqlReferralListing(storage.context)
    found = listing.page(ListingFilter(hub="hatay"), NOW)
    assert {row.code for row in found.rows} == mine
    assert listing.page(ListingFilter(hub="mardin"), NOW).rows == ()


def test_status_and_overdue_filters(storage: Storage) -> None:
    late = make(storage, "hatay", hours_ago=10, clock_hours=4)  # its clock ran out 6 h ago
    waiting = make(storage, "hatay", hours_ago=1, clock_hours=4)
    acknowledged = make(storage, "hatay", hours_ago=2, status="acknowledged")
    listing = SqlReferralListing(storage.context)
    overdue = listing.page(ListingFilter(overdue=True), NOW).rows
    assert [row.code for row in overdue] == [late] and overdue[0].overdue
    rows = {row.code: row for row in listing.page(ListingFilter(), NOW).rows}
    assert not rows[waiting].overdue
    assert [row.code for row in listing.page(ListingFilter(status="acknowledged"),
                                             NOW).rows] == [acknowledged]
    assert {row.code for row in listing.page(ListingFilter(status="sent"), NOW).rows} == {
        late, waiting}


def test_a_code_is_found_whole_or_by_its_beginning_however_typed(storage: Storage) -> None:
    codes = [make(storage, "gaziantep") for _ in range(5)]
    listing = SqlReferralListing(storage.context)
    target = codes[2]
    typed = target.lower().replace("-", " ")
    assert [r.code for r in listing.page(ListingFilter(code=typed), NOW).rows] == [target]
    beginning = target[:5]  # "K7Q-4"
    found = [r.code for r in listing.page(ListingFilter(code=beginning), NOW).rows]
    assert target in found and all(code.startswith(beginning) for code in found)
    assert listing.page(ListingFilter(code="ZZZZZZZZZ"), NOW).rows == ()


@pytest.mark.parametrize(("typed", "stored"), [
    ("k7q4mx2py", "K7Q-4MX-2PY"), ("K7Q-4", "K7Q-4"), ("k7q", "K7Q"), ("o1l", "011"),
    ("", ""), ("K7Q-4MX-2PY-EXTRA", "K7Q-4MX-2PY"),
])
def test_code_prefix_is_the_stored_form(typed: str, stored: str) -> None:
    assert code_prefix(typed) == stored


@pytest.mark.parametrize(("arguments", "error"), [
    ({"after": 5, "before": 9}, "give after or before, not both"),
    ({"size": 0}, f"a page holds 1 to {MAX_PAGE_SIZE} referrals, not 0"),
    ({"size": MAX_PAGE_SIZE + 1},
     f"a page holds 1 to {MAX_PAGE_SIZE} referrals, not {MAX_PAGE_SIZE + 1}"),
])
def test_bad_page_requests_are_refused(storage: Storage, arguments: dict[str, int],
                                       error: str) -> None:
    with pytest.raises(ValueError) as raised:
        SqlReferralListing(storage.context).page(ListingFilter(), NOW, **arguments)
    assert str(raised.value) == error


def test_no_encrypted_column_is_read() -> None:
    encrypted = {c.name for c in Referral.__table__.columns if isinstance(c.type, Encrypted)}
    assert encrypted == {"card", "contact"}
    listed = {field.name for field in dataclasses.fields(ListedReferral)}
    assert not listed & encrypted
