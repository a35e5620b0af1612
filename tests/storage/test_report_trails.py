"""Every figure of the indicators (each cell's and each agency cell's counts, every table's
times to acknowledge, the number left out for want of consent) is what a plain count over
the referrals' trails gives, on seeded referrals of every kind of history, on SQLite and
PostgreSQL: the facts kept on the rows and in ``referral_holdings`` lose nothing the trails say."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ports import StatusEvent
from bot.report.measures import AGENCY_MEASURES, MEASURES
from bot.report.periods import parse_period
from storage.models import Referral, Reminder
from storage.report import ack_times, count_left_out, read_facts
from storage.stores import Storage
from tests.storage.builders import consent, request

START = datetime(2026, 8, 1, tzinfo=UTC)
HUBS = ("gaziantep", "hatay", None)
AGENCIES = ("health_ngo", "law_ngo", "women_ngo")
BACKUP, COORDINATOR = "backup_ngo", "unhcr"
ESCALATION = "system:escalation"
OPEN = ("sent", "acknowledged", "declined", "forwarded")
#: The moments the report is read at: while the last month is running, and long after.
MOMENTS = (datetime(2026, 10, 20, 9, 0, tzinfo=UTC), datetime(2027, 1, 15, tzinfo=UTC))
Counts = dict[Any, list[int]]
Minutes = dict[tuple[str, str], list[int]]


@dataclass(frozen=True)
class Made:
    """What the test knows of a referral beyond its trail: which escalations went to the
    backup or the coordinator (the trail names the agency, not its role)."""

    code: str
    backup: bool
    coordinator: bool


def seed(storage: Storage, count: int, seed: int = 5) -> list[Made]:
    """``count`` referrals over August to October, each with a random history."""
    chance = random.Random(seed)
    referrer = storage.staff.enrol(7, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=START)
    made = []
    for _ in range(count):
        at = START + timedelta(minutes=chance.randrange(92 * 24 * 60))
        agency = chance.choice(AGENCIES) if chance.random() < 0.95 else None
        scopes = ("refer", "share", "statistics") if chance.random() < 0.9 else ("refer",)
        asked = request(hub=chance.choice(HUBS), case_type=chance.choice(("medical", "legal")),
                        risk=chance.choice(("high", "low", None)), consent=scopes)
        code = storage.referrals.create(
            asked, referrer_id=referrer if chance.random() < 0.7 else None, agency=agency,
            at=at, acknowledge_by=at + timedelta(hours=4) if agency else None,
            respond_by=at + timedelta(hours=24),
            case_due_at=at + timedelta(hours=chance.choice((24, 72))),
            consent=consent(granted=scopes))
        roles = history(storage, chance, code, at)
        made.append(Made(code, "backup" in roles, "coordinator" in roles))
    return made


def history(storage: Storage, chance: random.Random, code: str, at: datetime) -> set[str]:
    """Up to six random moves, minutes apart; the roles escalations gave."""
    roles = set()
    for _ in range(chance.randrange(7)):
        at += timedelta(minutes=chance.randrange(1, 600))
        move = chance.choice(("acknowledged", "acknowledged", "accepted", "declined",
                              "forwarded", "escalated", "closed", "erased"))
        if move == "erased":
            storage.referrals.erase(code, at=at, actor="cli")
            break
        if move == "closed":
            storage.referrals.append_event(code, "closed", at=at, actor="staff:2")
            if chance.random() < 0.5:
                notice = storage.reminders.schedule("status:closed", at, code=code)
                storage.reminders.mark_sent(notice, at + timedelta(minutes=5))
            break
        if move in ("forwarded", "escalated"):
            role = chance.choice(("backup", "coordinator")) if move == "escalated" \
                else "focal_point"
            roles.add(role)
            to = {"backup": BACKUP, "coordinator": COORDINATOR}.get(
                role, chance.choice(AGENCIES))
            storage.referrals.append_event(
                code, "forwarded", at=at, agency=to, via=role,
                actor=ESCALATION if move == "escalated" else "staff:9",
                acknowledge_by=at + timedelta(hours=chance.choice((2, 4))))
            continue
        storage.referrals.append_event(code, move, at=at, actor="staff:2")
    return roles - {"focal_point"}


def plain_counts(storage: Storage, made: Iterable[Made], start: datetime, end: datetime,
                 now: datetime, hub: str | None = None) -> tuple[Counts, Counts, Minutes]:
    """The cells, agency cells and minutes to acknowledge per table, counted here in
    Python from each referral's row and trail, as docs/report.md defines them."""
    cells: Counts = {}
    agencies: Counts = {}
    minutes: Minutes = {}
    for one in made:
        row = referral_row(storage, one.code)
        if not start <= row["created_at"] < end or "statistics" not in row["scopes"]:
            continue
        if hub is not None and row["hub"] != hub:
            continue
        trail = storage.referrals.events(one.code)
        month = f"{row['created_at']:%Y-%m}"
        key = (month, row["hub"] or "unknown", row["case_type"], row["risk"] or "unrated")
        holdings = cut(trail)
        forwarded = [e.at for e in trail if e.status == "forwarded" and e.agency]
        acks = [e.at for e in trail if e.status == "acknowledged"]
        first_ack = min(acks, default=None)
        if forwarded and first_ack is not None and first_ack >= min(forwarded):
            first_ack = None
        arrived = holdings[0]["arrived"] if holdings else None
        last_arrived = max((h["arrived"] for h in holdings), default=None)
        in_time, decided = judged(row, arrived, first_ack, last_arrived, now)
        closed = row["status"] == "closed"
        due = row["case_due_at"]
        overdue = (row["status"] in OPEN and row["closed_at"] is None
                   and row["erased_at"] is None and row["due_at"] is not None
                   and row["due_at"] <= now)
        counts = {
            "made": 1, "ack_in_time": in_time, "ack_decided": decided,
            "closed_in_time": row["closed_at"] is not None and row["closed_at"] <= due,
            "case_decided": row["closed_at"] is not None or (
                due <= now and (row["erased_at"] is None or due <= row["erased_at"])),
            "accepted": any(e.status == "accepted" for e in trail),
            "declined": any(e.status == "declined" for e in trail),
            "forwarded": bool(forwarded), "closed": closed,
            "closed_notified": closed and row["referrer_id"] is not None
            and row["notified"],
            "escalated_backup": one.backup, "escalated_coordinator": one.coordinator,
            "overdue": overdue,
        }
        add(cells, key, [int(counts[name]) for name in MEASURES])
        if first_ack is not None and arrived is not None:
            for table, value in (("*", "all"), ("hub", key[1]), ("case_type", key[2]),
                                 ("risk", key[3]), ("month", month)):
                minutes.setdefault((table, value), []).append(whole_minutes(first_ack, arrived))
        if not holdings:
            add(agencies, (month, key[1], "unrouted"), [1] + [0] * (len(AGENCY_MEASURES) - 1))
        for number, held in enumerate(holdings, start=1):
            now_held = (number == len(holdings) and row["agency"] == held["agency"]
                        and row["status"] != "erased")
            in_time, decided = judged(row, held["arrived"], held["acked"], last_arrived, now)
            add(agencies, (month, key[1], held["agency"]), [
                int(number == 1), 1, in_time, decided, int(held["accepted"]),
                int(held["declined"]), int(number < len(holdings)), int(now_held),
                int(now_held and overdue)])
            if held["acked"] is not None:
                minutes.setdefault(("agency", held["agency"]), []).append(
                    whole_minutes(held["acked"], held["arrived"]))
    return cells, agencies, minutes


def without_consent(storage: Storage, code: str, start: datetime, end: datetime,
                    hub: str | None) -> bool:
    row = referral_row(storage, code)
    return (start <= row["created_at"] < end and "statistics" not in row["scopes"]
            and (hub is None or row["hub"] == hub))


def referral_row(storage: Storage, code: str) -> dict[str, Any]:
    with storage.engine.connect() as connection:
        row = connection.execute(select(Referral).where(Referral.code == code)).one()
        notified = connection.scalar(
            select(Reminder.id).where(Reminder.referral_id == row.id,
                                      Reminder.kind == "status:closed",
                                      Reminder.sent_at.is_not(None)).limit(1))
    values = {name: getattr(row, name) for name in (
        "created_at", "hub", "case_type", "risk", "status", "agency", "referrer_id",
        "acknowledge_by", "case_due_at", "due_at", "closed_at", "erased_at")}
    return values | {"scopes": row.consent_scopes.split(), "notified": notified is not None}


def cut(trail: list[StatusEvent]) -> list[dict[str, Any]]:
    """The trail (in its order) cut at each arrival at an agency."""
    holdings: list[dict[str, Any]] = []
    for event in trail:
        if event.status in ("sent", "forwarded") and event.agency:
            holdings.append({"agency": event.agency, "arrived": event.at, "acked": None,
                             "accepted": False, "declined": False})
        elif holdings and event.status == "acknowledged":
            holdings[-1]["acked"] = holdings[-1]["acked"] or event.at
        elif holdings and event.status in ("accepted", "declined"):
            holdings[-1][event.status] = True
    return holdings


def judged(row: dict[str, Any], arrived: datetime | None, acked: datetime | None,
           last_arrived: datetime | None, now: datetime) -> tuple[int, int]:
    """(in time, decided) of one holding: its clock is as long as the current holder's and
    runs from its arrival until now, or until the erasure."""
    deadline = row["acknowledge_by"]
    if deadline is None or arrived is None or last_arrived is None:
        return 0, 0
    clock = deadline - last_arrived
    stopped = min(now, row["erased_at"]) if row["erased_at"] is not None else now
    in_time = acked is not None and acked - arrived <= clock
    return int(in_time), int(acked is not None or arrived + clock <= stopped)


def whole_minutes(end: datetime, start: datetime) -> int:
    seconds = (end - start).total_seconds()
    return int(seconds // 60 + (1 if seconds % 60 >= 30 else 0))


def add(table: dict[Any, list[int]], key: Any, counts: list[int]) -> None:
    found = table.setdefault(key, [0] * len(counts))
    for i, n in enumerate(counts):
        found[i] += n


def percentiles(minutes: list[int]) -> tuple[int, float, float]:
    ordered = sorted(minutes)
    n = len(ordered)
    rank = {"median": -(-n // 2), "p90": -(-n * 9 // 10)}
    return n, round(ordered[rank["median"] - 1] / 60, 4), round(ordered[rank["p90"] - 1] / 60,
                                                                   4)


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_indicators_are_the_counts_of_the_trails(storage: Storage,
                                                      moment: datetime) -> None:
    made = seed(storage, 160)
    assert any(one.backup for one in made) and any(one.coordinator for one in made)
    year = parse_period("2026", moment)
    facts = read_facts(storage.context, year.start, year.end, moment)
    cells, agencies, minutes = plain_counts(storage, made, year.start, year.end, moment)
    assert sum(counts[MEASURES.index("forwarded")] for counts in cells.values()) >= 20
    assert facts.cells == cells
    assert facts.agencies == agencies
    assert facts.times() == {key: percentiles(found) for key, found in minutes.items()}
    for label in ("2026-08", "2026-Q3", "2026-09"):
        period = parse_period(label, moment)
        for hub in (None, "hatay"):
            own = plain_counts(storage, made, period.start, period.end, moment, hub)[2]
            found = facts.times({month.label for month in period.months}, hub)
            assert found == {key: percentiles(times) for key, times in own.items()}, label
            assert found == ack_times(storage.context, period.start, period.end, moment, hub)
            left = sum(1 for one in made if without_consent(storage, one.code, period.start,
                                                             period.end, hub))
            assert facts.count_left_out({month.label for month in period.months}, hub) == \
                left == count_left_out(storage.context, period.start, period.end, hub)
    assert facts.count_left_out() >= 5
