"""The storage contract: every port implementation behaves the same on SQLite and
PostgreSQL (each test runs on both, see ``conftest.database``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ports import (
    AuditLog,
    Clock,
    NotFound,
    ReferralStore,
    ReminderQueue,
    Role,
    SessionStore,
    StaffStore,
    UpdateLedger,
)
from storage.clock import FixedClock, SystemClock
from storage.stores import Storage
from tests.storage.builders import request, session
from tests.storage.conftest import NOW


def test_the_sql_stores_satisfy_the_ports(storage: Storage) -> None:
    ports = [(storage.sessions, SessionStore), (storage.referrals, ReferralStore),
             (storage.audit, AuditLog), (storage.reminders, ReminderQueue),
             (storage.staff, StaffStore), (storage.updates, UpdateLedger),
             (SystemClock(), Clock)]
    for implementation, port in ports:
        missing = [name for name in dir(port) if not name.startswith("_")
                   and callable(getattr(port, name)) and not hasattr(implementation, name)]
        assert missing == [], f"{type(implementation).__name__} lacks {missing}"


# --- sessions -----------------------------------------------------------------------------

def test_a_saved_session_loads_back_equal(storage: Storage) -> None:
    saved = session(hub="gaziantep", needs=["older_person"], note="free text")
    storage.sessions.save(42, saved, NOW)
    assert storage.sessions.load(42) == saved


def test_loading_an_unknown_chat_gives_none(storage: Storage) -> None:
    assert storage.sessions.load(7) is None


def test_saving_again_replaces_the_session(storage: Storage) -> None:
    storage.sessions.save(42, session(step=1), NOW)
    storage.sessions.save(42, session(step=2), NOW + timedelta(minutes=1))
    loaded = storage.sessions.load(42)
    assert loaded is not None and loaded.answers == {"step": 2}


def test_a_deleted_session_is_gone(storage: Storage) -> None:
    storage.sessions.save(42, session(), NOW)
    storage.sessions.delete(42)
    assert storage.sessions.load(42) is None


def test_idle_lists_chats_not_saved_since_the_cutoff_oldest_first(storage: Storage) -> None:
    storage.sessions.save(1, session(), NOW - timedelta(hours=2))
    storage.sessions.save(2, session(), NOW - timedelta(hours=3))
    storage.sessions.save(3, session(), NOW)
    storage.sessions.save(1, session(), NOW - timedelta(hours=1))  # moved since
    assert storage.sessions.idle(NOW - timedelta(minutes=30)) == [2, 1]


def test_chat_ids_of_telegram_size_are_kept(storage: Storage) -> None:
    group_chat = -1001234567890123
    storage.sessions.save(group_chat, session(), NOW)
    assert storage.sessions.load(group_chat) is not None


# --- audit --------------------------------------------------------------------------------

def test_audit_entries_keep_actor_action_code_and_time(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    storage.audit.record("staff:5", "view", code.lower(), NOW)
    storage.audit.record("staff:5", "reveal", code, NOW + timedelta(seconds=1))
    storage.audit.record("worker", "export", None, NOW + timedelta(seconds=2))
    assert storage.audit.entries(code) == [(NOW, "staff:5", "view", code),
                                           (NOW + timedelta(seconds=1), "staff:5", "reveal",
                                            code)]
    assert len(storage.audit.entries()) == 3


@pytest.mark.parametrize(("actor", "action", "message"), [
    ("Ayse Yilmaz", "view", "audit actor must be a component name or kind:id"),
    ("staff:5", "called +90 555", "audit action must be a lower-case verb"),
])
def test_audit_refuses_values_shaped_like_personal_data(
        storage: Storage, actor: str, action: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        storage.audit.record(actor, action, None, NOW)


# --- reminders ----------------------------------------------------------------------------

def test_due_reminders_are_claimed_once_and_then_marked_sent(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    due = storage.reminders.schedule("acknowledge", NOW - timedelta(minutes=1), code=code,
                                     agency="a")
    storage.reminders.schedule("acknowledge", NOW + timedelta(hours=1), code=code, agency="a")
    claimed = storage.reminders.claim_due("worker-1", NOW)
    assert [(r.id, r.kind, r.code, r.agency) for r in claimed] == [
        (due, "acknowledge", code, "a")]
    assert storage.reminders.claim_due("worker-2", NOW) == []
    storage.reminders.mark_sent(due, NOW)
    assert [r.id for r in storage.reminders.pending()] != [due]


def test_a_claim_whose_lease_ran_out_can_be_claimed_again(storage: Storage) -> None:
    storage.reminders.schedule("escalate", NOW)
    first = storage.reminders.claim_due("worker-1", NOW)
    again = storage.reminders.claim_due("worker-2", NOW + timedelta(hours=1))
    assert [r.id for r in again] == [r.id for r in first]


def test_claims_respect_the_limit_soonest_due_first(storage: Storage) -> None:
    ids = [storage.reminders.schedule("acknowledge", NOW - timedelta(minutes=m))
           for m in (1, 3, 2)]
    claimed = storage.reminders.claim_due("worker-1", NOW, limit=2)
    assert [r.id for r in claimed] == [ids[1], ids[2]]


def test_cancel_drops_unsent_reminders_of_one_referral_only(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    other = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    storage.reminders.schedule("acknowledge", NOW, code=code)
    storage.reminders.schedule("respond", NOW, code=code)
    storage.reminders.schedule("acknowledge", NOW, code=other)
    assert storage.reminders.cancel(code, kinds=["acknowledge"]) == 1
    assert storage.reminders.cancel(code) == 1
    assert [r.code for r in storage.reminders.pending()] == [other]


# --- staff --------------------------------------------------------------------------------

def test_staff_are_found_by_telegram_id(storage: Storage) -> None:
    staff_id = storage.staff.enrol(123456789, "focal_point", agency="a", hub="hatay",
                                   language="ar", at=NOW)
    found = storage.staff.by_telegram(123456789)
    assert found is not None
    assert (found.id, found.role, found.agency, found.hub, found.language, found.active,
            found.unreachable) == (staff_id, "focal_point", "a", "hatay", "ar", True, False)
    assert storage.staff.telegram_id(staff_id) == 123456789
    assert storage.staff.by_telegram(987654321) is None


def test_enrolling_again_updates_the_same_member(storage: Storage) -> None:
    first = storage.staff.enrol(5, "referrer", agency="a", hub=None, language="en", at=NOW)
    storage.staff.set_active(first, False, NOW)
    second = storage.staff.enrol(5, "coordinator", agency=None, hub="kilis", language="tr",
                                 at=NOW)
    member = storage.staff.get(second)
    assert (second, member.role, member.active) == (first, "coordinator", True)


def test_revoking_and_unreachable_flags_are_kept(storage: Storage) -> None:
    staff_id = storage.staff.enrol(5, "referrer", agency="a", hub=None, language="en", at=NOW)
    storage.staff.set_active(staff_id, False, NOW)
    storage.staff.set_unreachable(staff_id, True)
    member = storage.staff.get(staff_id)
    assert (member.active, member.unreachable) == (False, True)


def test_members_are_the_active_staff_matching_every_filter(storage: Storage) -> None:
    def enrol(telegram_id: int, role: Role, agency: str | None, hub: str | None) -> int:
        return storage.staff.enrol(telegram_id, role, agency=agency, hub=hub, language="en",
                                   at=NOW)

    focal_a = enrol(1, "focal_point", "a", "hatay")
    focal_b = enrol(2, "focal_point", "b", "hatay")
    coordinator = enrol(3, "coordinator", None, "hatay")
    revoked = enrol(4, "focal_point", "a", "hatay")
    enrol(5, "referrer", "a", "kilis")
    storage.staff.set_active(revoked, False, NOW)
    storage.staff.set_unreachable(focal_b, True)

    def ids(**filters: str) -> list[int]:
        return [m.id for m in storage.staff.members(**filters)]  # type: ignore[arg-type]

    assert ids(role="focal_point") == [focal_a, focal_b]
    assert ids(role="focal_point", agency="a") == [focal_a]
    assert ids(role="coordinator", hub="hatay") == [coordinator]
    assert ids(role="coordinator", hub="kilis") == []
    assert len(ids()) == 4


def test_an_unknown_staff_member_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        storage.staff.get(404)
    with pytest.raises(NotFound):
        storage.staff.set_unreachable(404, True)


# --- processed updates --------------------------------------------------------------------

def test_an_update_id_is_new_only_the_first_time(storage: Storage) -> None:
    assert storage.updates.seen(900001) is False
    assert storage.updates.first_time(900001, NOW) is True
    assert storage.updates.seen(900001) is True and storage.updates.seen(900002) is False
    assert storage.updates.first_time(900001, NOW) is False
    assert storage.updates.first_time(900002, NOW) is True


# --- clock --------------------------------------------------------------------------------

def test_clocks_give_aware_utc_times() -> None:
    clock = FixedClock(NOW)
    assert clock.advance(hours=1) == NOW + timedelta(hours=1) == clock.now()
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_naive_times_are_refused_before_they_are_stored(storage: Storage) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        storage.sessions.save(1, session(), NOW.replace(tzinfo=None))


# --- unit of work -------------------------------------------------------------------------

class Boom(Exception):
    pass


def test_store_calls_inside_a_unit_commit_together(storage: Storage) -> None:
    with storage.unit():
        code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
        storage.reminders.schedule("card", NOW, code=code, agency="a")
        storage.audit.record("staff:1", "refer", code, NOW)
        assert storage.referrals.get(code).status == "sent"  # reads see the unit's writes
    assert storage.audit.entries(code) == [(NOW, "staff:1", "refer", code)]
    assert [r.kind for r in storage.reminders.pending(code)] == ["card"]


def test_a_failure_inside_a_unit_leaves_nothing_behind(storage: Storage) -> None:
    with pytest.raises(Boom), storage.unit():
        storage.sessions.save(1, session(), NOW)
        storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
        storage.audit.record("staff:1", "refer", None, NOW)
        raise Boom
    assert storage.sessions.load(1) is None
    assert storage.referrals.open() == [] and storage.audit.entries() == []


def test_nested_units_join_the_outer_one(storage: Storage) -> None:
    with pytest.raises(Boom), storage.unit():
        with storage.unit():
            storage.sessions.save(1, session(), NOW)
        raise Boom
    assert storage.sessions.load(1) is None


def test_a_clash_of_case_codes_is_retried_without_spoiling_the_unit(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    fresh = iter([taken, taken, "K7Q-4MX-2PY"])
    monkeypatch.setattr("storage.referrals.new_code", lambda: next(fresh))
    with storage.unit():
        storage.sessions.save(1, session(), NOW)
        code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert code == "K7Q-4MX-2PY"
    assert storage.sessions.load(1) is not None
    assert [r.code for r in storage.referrals.open()] == [taken, code]


def test_when_every_drawn_case_code_is_taken_nothing_is_written(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    monkeypatch.setattr("storage.referrals.new_code", lambda: taken)
    with pytest.raises(RuntimeError, match=r"^no unused case code in 5 draws$"), \
            storage.unit():
        storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert [r.code for r in storage.referrals.open()] == [taken]
