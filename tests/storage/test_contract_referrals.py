"""The referral store contract, on SQLite and PostgreSQL alike (see
``conftest.database``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.casecode import is_valid
from bot.ports import CLOSED, SENT, Erased, NotFound
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW

# --- referrals ----------------------------------------------------------------------------

def test_a_created_referral_gets_a_valid_case_code_and_status_sent(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="agency_a",
                                    acknowledge_by=NOW + timedelta(hours=4), at=NOW)
    record = storage.referrals.get(code)
    assert is_valid(code)
    assert (record.code, record.status, record.agency, record.hub, record.case_type,
            record.risk, record.flow_id, record.flow_revision) == (
        code, SENT, "agency_a", "gaziantep", "medical", "high", "pwsn", 3)
    assert record.due_at == NOW + timedelta(hours=4) and record.created_at == NOW
    assert record.consent == ("refer", "share", "statistics")
    assert not record.partner_chosen and not record.erased


def test_get_returns_the_envelope_and_services_but_never_the_contact(
        storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    record = storage.referrals.get(code)
    assert record.envelope == {"age_band": "older", "sex": "female", "reach": "phone"}
    assert record.services == ("medical",)
    assert "+90 000 000 9999" not in repr(record)


def test_reveal_contact_returns_the_decrypted_contact(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert storage.referrals.reveal_contact(code) == {"phone": "+90 000 000 9999"}


def test_a_referral_without_contact_reveals_an_empty_mapping(storage: Storage) -> None:
    code = storage.referrals.create(request(contact={}), referrer_id=None, agency="a",
                                    at=NOW)
    assert storage.referrals.reveal_contact(code) == {}


def test_codes_are_found_however_loosely_typed(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert storage.referrals.get(f"  {code.replace('-', ' ').lower()} ").code == code


def test_an_unknown_code_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound, match="no referral with case code K7Q-4MX-2PY"):
        storage.referrals.get("K7Q-4MX-2PY")


def test_routing_choices_are_recorded(storage: Storage) -> None:
    referrer = storage.staff.enrol(111, "referrer", agency="food_ngo", hub="hatay",
                                   language="tr", at=NOW)
    code = storage.referrals.create(request(hub=None), referrer_id=referrer,
                                    agency="known_partner", at=NOW, hub="hatay",
                                    via="partner", consent=consent())
    record = storage.referrals.get(code)
    assert (record.hub, record.via, record.partner_chosen, record.referrer_id) == (
        "hatay", "partner", True, referrer)
    assert storage.referrals.events(code)[0].actor == f"staff:{referrer}"


def test_a_child_safety_override_is_kept_with_its_reason(storage: Storage) -> None:
    code = storage.referrals.create(
        request(consent=(), override_reason="immediate_danger"), referrer_id=None,
        agency="cp_agency", at=NOW,
        consent=consent(granted=(), refused=("refer",), override_reason="immediate_danger"))
    record = storage.referrals.get(code)
    assert (record.consent, record.override_reason) == ((), "immediate_danger")


def test_appended_events_move_the_referral_and_form_its_trail(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a",
                                    acknowledge_by=NOW + timedelta(hours=4),
                                    respond_by=NOW + timedelta(hours=48), at=NOW)
    later = NOW + timedelta(hours=1)
    storage.referrals.append_event(code, "acknowledged", at=later, actor="staff:5")
    storage.referrals.append_event(code, "declined", at=later + timedelta(minutes=5),
                                   actor="staff:5", reason="No capacity this week")
    storage.referrals.append_event(code, "forwarded", at=later + timedelta(minutes=6),
                                   actor="worker", agency="b", via="backup",
                                   acknowledge_by=later + timedelta(hours=5),
                                   respond_by=later + timedelta(hours=49), escalation_level=1)
    record = storage.referrals.get(code)
    assert (record.status, record.agency, record.via, record.escalation_level) == (
        "forwarded", "b", "backup", 1)
    assert (record.status_since, record.acknowledge_by, record.respond_by, record.due_at) == (
        later + timedelta(minutes=6), later + timedelta(hours=5),
        later + timedelta(hours=49), later + timedelta(hours=5))
    trail = storage.referrals.events(code)
    assert [(e.status, e.agency, e.reason) for e in trail] == [
        (SENT, "a", None), ("acknowledged", "a", None),
        ("declined", "a", "No capacity this week"), ("forwarded", "b", None)]


def test_the_case_deadline_is_kept_through_every_move_and_listed(storage: Storage) -> None:
    case_due = NOW + timedelta(hours=48)
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW,
                                    acknowledge_by=NOW + timedelta(hours=4),
                                    respond_by=case_due, case_due_at=case_due)
    later = NOW + timedelta(hours=30)
    storage.referrals.append_event(code, "forwarded", at=later, actor="system:escalation",
                                   agency="b", acknowledge_by=later + timedelta(hours=4),
                                   respond_by=later + timedelta(hours=48),
                                   escalation_level=1)
    record = storage.referrals.get(code)
    assert record.case_due_at == case_due and record.respond_by == later + timedelta(hours=48)
    assert [r.case_due_at for r in storage.referrals.open() if r.code == code] == [case_due]


def test_the_running_clock_follows_the_status(storage: Storage) -> None:
    acknowledge_by, respond_by = NOW + timedelta(hours=4), NOW + timedelta(hours=48)
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW,
                                    acknowledge_by=acknowledge_by, respond_by=respond_by)
    clocks = [storage.referrals.get(code).due_at]
    for status in ("acknowledged", "declined", "forwarded", "acknowledged", "accepted",
                   CLOSED):
        storage.referrals.append_event(code, status, at=NOW + timedelta(hours=1),
                                       actor="staff:5")
        clocks.append(storage.referrals.get(code).due_at)
    assert clocks == [acknowledge_by, respond_by, NOW + timedelta(hours=1), acknowledge_by,
                      respond_by, None, None]


def test_reminders_are_counted_per_window_and_a_move_starts_a_new_window(
        storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert [storage.referrals.reminded(code) for _ in range(2)] == [1, 2]
    assert storage.referrals.get(code).reminders_sent == 2
    storage.referrals.append_event(code, "acknowledged", at=NOW, actor="staff:5")
    assert storage.referrals.get(code).reminders_sent == 0


def test_closing_stamps_the_closing_time_and_leaves_the_open_list(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    storage.referrals.append_event(code, CLOSED, at=NOW + timedelta(days=3), actor="staff:5")
    assert storage.referrals.get(code).closed_at == NOW + timedelta(days=3)
    assert storage.referrals.open() == []


def test_open_lists_referrals_oldest_first_without_decrypting_envelopes(
        storage: Storage) -> None:
    first = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    second = storage.referrals.create(request(), referrer_id=None, agency="a",
                                      at=NOW + timedelta(minutes=1))
    listed = storage.referrals.open()
    assert [r.code for r in listed] == [first, second]
    assert all(r.envelope is None for r in listed)


def test_overdue_lists_referrals_whose_running_clock_passed_most_overdue_first(
        storage: Storage) -> None:
    def make(due_hours: int) -> str:
        return storage.referrals.create(request(), referrer_id=None, agency="a",
                                        acknowledge_by=NOW + timedelta(hours=due_hours), at=NOW)

    late, later, on_time = make(-1), make(-5), make(+1)
    declined = make(+3)
    storage.referrals.append_event(declined, "declined", at=NOW - timedelta(hours=3),
                                   actor="staff:1")
    assert [r.code for r in storage.referrals.overdue(NOW)] == [later, declined, late]
    assert [r.code for r in storage.referrals.overdue(NOW, ("sent",))] == [later, late]
    assert on_time not in [r.code for r in storage.referrals.overdue(NOW)]
    assert [r.code for r in storage.referrals.overdue(NOW, limit=2)] == [later, declined]


def test_erase_through_the_store_reports_whether_anything_was_left_to_erase(
        storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    assert storage.referrals.erase(code, at=NOW, actor="staff:1") is True
    assert storage.referrals.erase(code, at=NOW, actor="staff:1") is False
    assert storage.referrals.get(code).erased


def test_an_erased_referral_takes_no_further_moves(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    storage.referrals.erase(code, at=NOW, actor="cli")
    with pytest.raises(Erased):
        storage.referrals.append_event(code, "accepted", at=NOW, actor="staff:1")


def test_moving_an_unknown_referral_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        storage.referrals.append_event("K7Q-4MX-2PY", "accepted", at=NOW, actor="staff:1")
