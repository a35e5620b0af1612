"""The audit trail as the console reads it: filtered by case code, actor, action and a range
of days, newest first, a page at a time.

Pages are keyset pages: each one ends with a cursor (the time and id of its last row) and
the next page starts after it, so a page costs the same however deep it is, and rows added
meanwhile never shift what comes next. A hub coordinator reads only the rows about their
hub: its referrals' case codes, and what its staff did or had done to them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.casecode import CaseCodeError, parse
from bot.ports import Staff

PAGE_SIZE = 50
_CURSOR = re.compile(r"(\d{1,20})-(\d{1,20})")


class Row(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def at(self) -> datetime: ...


class Trail(Protocol):
    def page(self, *, code: str | None = None, actor: str | None = None,
             action: str | None = None, since: datetime | None = None,
             until: datetime | None = None, before: tuple[datetime, int] | None = None,
             limit: int = 50, hub: str | None = None,
             hub_actors: Collection[str] = ()) -> Sequence[Row]: ...


class Everyone(Protocol):
    def everyone(self) -> list[Staff]: ...


class BadFilter(ValueError):
    """A filter that cannot be applied; the message names the field and what it takes."""


@dataclass(frozen=True)
class Filters:
    code: str | None = None
    actor: str | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for the next page's link."""
        values = {"code": self.code, "actor": self.actor, "action": self.action,
                  "from": self.start.isoformat() if self.start else None,
                  "to": self.end.isoformat() if self.end else None}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Page:
    rows: Sequence[Row]
    #: Where the next page starts; None on the last page.
    next_cursor: str | None


def _day(text: str, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(f"{field}: '{text}' is not a date (YYYY-MM-DD)") from None


def read_filters(params: dict[str, str]) -> Filters:
    """The filters from a form's values; :class:`BadFilter` for one that is malformed."""
    from storage.audit import ACTION, ACTOR  # the shapes the trail stores, as the CLI checks

    code = params.get("code", "").strip() or None
    if code is not None:
        try:
            code = parse(code)
        except CaseCodeError as error:
            raise BadFilter(f"case code: {error}") from None
    actor = params.get("actor", "").strip() or None
    if actor is not None and not ACTOR.fullmatch(actor):
        raise BadFilter(f"actor: '{actor}' is not an actor (a component such as worker, or "
                        "kind:id such as staff:12)")
    action = params.get("action", "").strip() or None
    if action is not None and not ACTION.fullmatch(action):
        raise BadFilter(f"action: '{action}' is not an action (a lower-case verb such as "
                        "reveal or revoke)")
    start, end = _day(params.get("from", ""), "from"), _day(params.get("to", ""), "to")
    if start and end and end < start:
        raise BadFilter("to: the range ends before it starts")
    return Filters(code, actor, action, start, end)


def encode_cursor(row: Row) -> str:
    return f"{int(row.at.timestamp() * 1_000_000)}-{row.id}"


def decode_cursor(text: str) -> tuple[datetime, int] | None:
    found = _CURSOR.fullmatch(text.strip()) if text else None
    if found is None:
        return None
    micros, row_id = int(found.group(1)), int(found.group(2))
    try:
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    except OverflowError:
        return None
    return at, row_id


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class AuditReader:
    def __init__(self, trail: Trail, staff: Everyone, page_size: int = PAGE_SIZE) -> None:
        self.trail = trail
        self.staff = staff
        self.page_size = page_size

    def page(self, filters: Filters, cursor: str = "", hub: str | None = None) -> Page:
        """The page after ``cursor`` (the first without one), of ``hub``'s rows if given."""
        actors: tuple[str, ...] = ()
        if hub is not None:
            actors = tuple(f"staff:{m.id}" for m in self.staff.everyone() if m.hub == hub)
        rows = self.trail.page(
            code=filters.code, actor=filters.actor, action=filters.action,
            since=_midnight(filters.start) if filters.start else None,
            until=_midnight(filters.end + timedelta(days=1)) if filters.end else None,
            before=decode_cursor(cursor), limit=self.page_size + 1, hub=hub,
            hub_actors=actors)
        more = len(rows) > self.page_size
        rows = rows[:self.page_size]
        return Page(rows, encode_cursor(rows[-1]) if more and rows else None)
