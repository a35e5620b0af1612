"""The facts a referral keeps of its trail for the report, and the holdings a forwarded
referral keeps, agree with its trail after every kind of move; migrations 0014 and 0016
compute the same from the trails already stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select

from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.models import Referral, ReferralEvent, ReferralHolding, Reminder
from storage.models.directory import Agency, FocalPoint, Hub
from storage.referral_facts import COLUMNS
from storage.stores import Storage
from tests.storage.builders import consent, request

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
ESCALATION = "system:escalation"
#: The directory of the escalations below: who is the backup, who the coordinator.
BACKUP, COORDINATOR = "backup_ngo", "unhcr"
ROLES = {BACKUP: "backup", COORDINATOR: "coordinator"}
#: Every kind of move, as (status, hours after START, agency, actor); an escalation is a
#: forward by the escalation actor, given the role of the agency it went to.
HISTORIES = {
    "accepted and closed": [("acknowledged", 1, None, "staff:2"),
                            ("accepted", 2, None, "staff:2"),
                            ("closed", 30, None, "staff:2")],
    "declined, then forwarded by hand": [("declined", 1, None, "staff:2"),
                                         ("forwarded", 2, "law_ngo", "staff:9"),
                                         ("acknowledged", 3, None, "staff:3")],
    "escalated to the backup, then the coordinator": [
        ("forwarded", 4, BACKUP, ESCALATION), ("forwarded", 8, COORDINATOR, ESCALATION),
        ("acknowledged", 9, None, "staff:4"), ("accepted", 10, None, "staff:4")],
    "acknowledged, forwarded, acknowledged again, closed": [
        ("acknowledged", 1, None, "staff:2"), ("forwarded", 2, "law_ngo", "staff:2"),
        ("acknowledged", 3, None, "staff:3"), ("accepted", 4, None, "staff:3"),
        ("closed", 5, None, "staff:3")],
    "erased while open": [("acknowledged", 1, None, "staff:2"), ("erased", 2, None, "cli")],
    "escalated, then erased": [("forwarded", 4, BACKUP, ESCALATION),
                               ("erased", 5, None, "cli")],
}


def refer(storage: Storage, agency: str | None = "health_ngo", referrer: int | None = None,
          ) -> str:
    made = request()
    return storage.referrals.create(
        made, referrer_id=referrer, agency=agency, at=START,
        acknowledge_by=START + timedelta(hours=4) if agency else None,
        respond_by=START + timedelta(hours=24), case_due_at=START + timedelta(hours=48),
        consent=consent(granted=made.consent))


def move(storage: Storage, code: str, status: str, hours: float, agency: str | None,
         actor: str) -> None:
    at = START + timedelta(hours=hours)
    if status == "erased":
        storage.referrals.erase(code, at=at, actor=actor)
        return
    changes: dict[str, Any] = {}
    if status == "forwarded":
        changes.update(acknowledge_by=at + timedelta(hours=4),
                       via=ROLES.get(agency or "", "focal_point"))
    storage.referrals.append_event(code, status, at=at, actor=actor, agency=agency,
                                   **changes)


def stored(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(*(Referral.__table__.c[name] for name in COLUMNS))
                                 .where(Referral.code == code)).one()
    return dict(zip(COLUMNS, row, strict=True))


def from_trail(storage: Storage, code: str) -> dict[str, Any]:
    """The facts worked out here from the trail as the store reads it back, and from the
    reminders, independently of ``storage.referral_facts``."""
    trail = storage.referrals.events(code)

    def first(rows: list[Any]) -> datetime | None:
        return min((e.at for e in rows), default=None)

    arrivals = [e for e in trail if e.status in ("sent", "forwarded") and e.agency]
    escalated = [e for e in trail if e.status == "forwarded" and e.actor == ESCALATION]
    with storage.engine.connect() as connection:
        notices = connection.execute(
            select(Reminder.sent_at).join(Referral, Referral.id == Reminder.referral_id)
            .where(Referral.code == code, Reminder.kind == "status:closed",
                   Reminder.sent_at.is_not(None))).scalars().all()
    return {
        "first_agency": max((e.agency for e in arrivals if e.status == "sent"), default=None),
        "holdings": len(arrivals),
        "arrived_at": first(arrivals),
        "last_arrived_at": max((e.at for e in arrivals), default=None),
        "forwarded_at": first([e for e in arrivals if e.status == "forwarded"]),
        "acknowledged_at": first([e for e in trail if e.status == "acknowledged"]),
        "accepted_at": first([e for e in trail if e.status == "accepted"]),
        "declined_at": first([e for e in trail if e.status == "declined"]),
        "escalated_backup_at": first([e for e in escalated if e.agency == BACKUP]),
        "escalated_coordinator_at": first([e for e in escalated if e.agency == COORDINATOR]),
        "outcome_notified_at": min((_aware(at) for at in notices), default=None),
    }


def stored_holdings(engine: Engine, code: str) -> list[tuple[Any, ...]]:
    h = ReferralHolding
    with engine.connect() as connection:
        rows = connection.execute(
            select(h.number, h.agency, h.arrived_at, h.acknowledged_at, h.accepted,
                   h.declined)
            .join(Referral, Referral.id == h.referral_id).where(Referral.code == code)
            .order_by(h.number)).all()
    return [(number, agency, _utc(arrived), _utc(acked), bool(accepted), bool(declined))
            for number, agency, arrived, acked, accepted, declined in rows]


def holdings_from_trail(storage: Storage, code: str) -> list[tuple[Any, ...]]:
    """Worked out here: nothing for a referral never forwarded; otherwise the trail cut
    before each arrival at an agency (what comes before the first belongs to none)."""
    trail = storage.referrals.events(code)
    if not any(e.status == "forwarded" and e.agency for e in trail):
        return []
    cuts = [i for i, e in enumerate(trail) if e.status in ("sent", "forwarded") and e.agency]
    found = []
    for number, (begin, end) in enumerate(zip(cuts, [*cuts[1:], len(trail)], strict=True),
                                          start=1):
        held = trail[begin:end]
        acks = [e.at for e in held if e.status == "acknowledged"]
        found.append((number, held[0].agency, held[0].at, min(acks, default=None),
                      any(e.status == "accepted" for e in held),
                      any(e.status == "declined" for e in held)))
    return found


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def normal(facts: dict[str, Any]) -> dict[str, Any]:
    """Times as aware UTC, whatever the driver hands back for a raw column read."""
    return {name: _aware(value).astimezone(UTC) if isinstance(value, datetime) else value
            for name, value in facts.items()}


@pytest.mark.parametrize("history", list(HISTORIES))
def test_the_facts_agree_with_the_trail_after_every_move(storage: Storage,
                                                         history: str) -> None:
    code = refer(storage)
    assert normal(stored(storage.engine, code)) == from_trail(storage, code)
    for step in HISTORIES[history]:
        move(storage, code, *step)
        assert normal(stored(storage.engine, code)) == from_trail(storage, code), step
        assert stored_holdings(storage.engine, code) == holdings_from_trail(storage, code)


def test_a_forwarded_referral_keeps_each_holding_and_one_never_forwarded_none(
        storage: Storage) -> None:
    stayed, moved = refer(storage), refer(storage)
    for step in HISTORIES["accepted and closed"]:
        move(storage, stayed, *step)
    for step in HISTORIES["declined, then forwarded by hand"]:
        move(storage, moved, *step)
    assert stored_holdings(storage.engine, stayed) == []
    assert stored_holdings(storage.engine, moved) == [
        (1, "health_ngo", START, None, False, True),
        (2, "law_ngo", START + timedelta(hours=2), START + timedelta(hours=3), False, False)]


def test_holdings_follow_the_trails_order_even_for_a_move_written_late(
        storage: Storage) -> None:
    code = refer(storage)
    move(storage, code, "forwarded", 2, "law_ngo", "staff:9")
    move(storage, code, "acknowledged", 3, None, "staff:3")
    move(storage, code, "acknowledged", 1, None, "staff:2")  # written after, happened before
    assert stored_holdings(storage.engine, code) == holdings_from_trail(storage, code) == [
        (1, "health_ngo", START, START + timedelta(hours=1), False, False),
        (2, "law_ngo", START + timedelta(hours=2), START + timedelta(hours=3), False, False)]


def test_an_unrouted_referral_has_no_holding_until_it_is_forwarded(storage: Storage) -> None:
    code = refer(storage, agency=None)
    assert stored(storage.engine, code)["holdings"] == 0
    move(storage, code, "forwarded", 1, "law_ngo", "staff:9")
    facts = normal(stored(storage.engine, code))
    assert facts == from_trail(storage, code)
    assert (facts["first_agency"], facts["holdings"]) == (None, 1)


def test_the_outcome_notice_counts_when_it_is_sent_and_only_a_closing_notice(
        storage: Storage) -> None:
    referrer = storage.staff.enrol(7, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=START)
    code = refer(storage, referrer=referrer)
    for step in HISTORIES["accepted and closed"]:
        move(storage, code, *step)
    other = storage.reminders.schedule("status:accepted", START, code=code)
    storage.reminders.mark_sent(other, START + timedelta(hours=31))
    notice = storage.reminders.schedule("status:closed", START, code=code)
    assert stored(storage.engine, code)["outcome_notified_at"] is None
    storage.reminders.mark_sent(notice, START + timedelta(hours=32))
    again = storage.reminders.schedule("status:closed", START, code=code)
    storage.reminders.mark_sent(again, START + timedelta(hours=40))  # the first one stays
    facts = normal(stored(storage.engine, code))
    assert facts["outcome_notified_at"] == START + timedelta(hours=32)
    assert facts == from_trail(storage, code)


def test_the_migration_computes_the_same_facts_from_the_stored_trails(
        own_database: Engine) -> None:
    storage = Storage.on(own_database, Cipher([generate_key()], index_key=generate_key()))
    with own_database.begin() as connection:
        for agency in ("health_ngo", "law_ngo", BACKUP, COORDINATOR):
            connection.execute(Agency.__table__.insert().values(
                id=agency, names={}, kind="ngo", languages=[], hubs=[], phone="", email="",
                website="", position=0))
        connection.execute(Hub.__table__.insert().values(
            id="gaziantep", names={}, areas=[], coordinator=COORDINATOR, position=0))
        connection.execute(FocalPoint.__table__.insert().values(
            hub_id="gaziantep", case_type="medical", primary_agency_id="health_ngo",
            backup_agency_id=BACKUP))
    referrer = storage.staff.enrol(7, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=START)
    codes = []
    for steps in HISTORIES.values():
        codes.append(refer(storage, referrer=referrer))
        for step in steps:
            move(storage, codes[-1], *step)
    codes.append(refer(storage, agency=None))
    storage.reminders.mark_sent(storage.reminders.schedule("status:closed", START,
                                                           code=codes[0]),
                                START + timedelta(hours=31))
    before = {code: normal(stored(own_database, code)) for code in codes}
    held = {code: stored_holdings(own_database, code) for code in codes}
    assert held == {code: holdings_from_trail(storage, code) for code in codes}
    assert sum(len(found) for found in held.values()) >= 6
    with own_database.connect() as connection:
        trail = connection.execute(select(func.count()).select_from(ReferralEvent)).scalar()
    assert any(facts["escalated_coordinator_at"] for facts in before.values())
    assert any(facts["outcome_notified_at"] for facts in before.values())

    config = migrate.alembic_config()
    with own_database.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, _revision_below_facts())
    assert "holdings" not in {c["name"] for c in inspect(own_database).get_columns("referrals")}
    assert "referral_holdings" not in inspect(own_database).get_table_names()
    with own_database.connect() as connection:  # the trails the facts come from stay
        assert connection.execute(
            select(func.count()).select_from(ReferralEvent)).scalar() == trail
    migrate.upgrade(own_database)
    assert {code: normal(stored(own_database, code)) for code in codes} == before
    assert {code: stored_holdings(own_database, code) for code in codes} == held


def _revision_below_facts() -> str:
    directory = ScriptDirectory.from_config(migrate.alembic_config())
    for revision in directory.walk_revisions():
        if revision.doc.startswith("The report's facts"):
            assert isinstance(revision.down_revision, str)
            return revision.down_revision
    raise AssertionError("no migration adds the referral facts")
