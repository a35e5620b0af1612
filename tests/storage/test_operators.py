"""Staff labels, languages, pending invitations and the audit trail's subject and filters,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.ports import NotFound
from bot.service.invites import InviteDesk, check_days, check_label
from storage.stores import Storage
from tests.storage.conftest import NOW

LATER = NOW + timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


def desk(storage: Storage, clock: Clock | None = None) -> InviteDesk:
    return InviteDesk(storage.invites, storage.staff, storage.audit, clock or Clock(),
                      storage.unit)


def test_a_label_set_at_invitation_is_carried_to_the_member_it_enrols(
        storage: Storage) -> None:
    invites = desk(storage)
    code, invite = invites.create("focal_point", "example_health", None, timedelta(days=3),
                                  label="MSF clinic nurse, Gaziantep")
    assert invite.id is not None and invite.label == "MSF clinic nurse, Gaziantep"
    member = invites.redeem(code, 4242, "tr")
    assert member is not None and member.label == "MSF clinic nurse, Gaziantep"
    assert [m.label for m in storage.staff.everyone()] == ["MSF clinic nurse, Gaziantep"]
    assert [(r.actor, r.action, r.subject) for r in storage.audit.search()] == [
        ("cli", "invite", f"invite:{invite.id}"),
        (f"staff:{member.id}", "enrol", f"invite:{invite.id}")]


def test_a_members_language_is_remembered(storage: Storage) -> None:
    staff_id = storage.staff.enrol(77, "referrer", agency=None, hub="hatay", language="en",
                                   at=NOW)
    storage.staff.set_language(staff_id, "ar")
    member = storage.staff.by_telegram(77)
    assert member is not None and member.language == "ar"
    with pytest.raises(NotFound):
        storage.staff.set_language(staff_id + 1, "ar")


def test_pending_invitations_are_listed_until_used_expired_or_cancelled(
        storage: Storage) -> None:
    clock = Clock()
    invites = desk(storage, clock)
    used, _ = invites.create("referrer", None, "hatay", timedelta(days=1))
    _, short = invites.create("referrer", None, "kilis", timedelta(days=1))
    _, long = invites.create("coordinator", None, None, timedelta(days=30), label="Hub lead")
    _, cancelled = invites.create("referrer", None, None, timedelta(days=2))
    assert invites.redeem(used, 1, "en") is not None
    invites.cancel(cancelled.id or 0)
    assert [(i.id, i.role, i.hub, i.label) for i in invites.pending()] == [
        (short.id, "referrer", "kilis", None), (long.id, "coordinator", None, "Hub lead")]
    clock.at = NOW + timedelta(days=1)  # the short one expires now
    assert [i.id for i in invites.pending()] == [long.id]
    assert storage.audit.search(action="cancel_invite")[0].subject == f"invite:{cancelled.id}"


def test_a_cancelled_invitation_enrols_no_one(storage: Storage) -> None:
    invites = desk(storage)
    code, invite = invites.create("referrer", None, "hatay", timedelta(days=1))
    invites.cancel(invite.id or 0)
    assert invites.redeem(code, 99, "en") is None
    assert storage.staff.by_telegram(99) is None


@pytest.mark.parametrize("state", ["used", "expired", "cancelled", "unknown"])
def test_only_a_pending_invitation_can_be_cancelled(storage: Storage, state: str) -> None:
    clock = Clock()
    invites = desk(storage, clock)
    code, invite = invites.create("referrer", None, None, timedelta(days=1))
    invite_id = invite.id or 0
    if state == "used":
        invites.redeem(code, 5, "en")
    elif state == "expired":
        clock.at = invite.expires_at
    elif state == "cancelled":
        invites.cancel(invite_id)
    else:
        invite_id += 100
    with pytest.raises(NotFound, match=f"no pending invitation {invite_id}"):
        invites.cancel(invite_id)


@pytest.mark.parametrize(("label", "error"), [
    ("", "a label cannot be empty"),
    ("   ", "a label cannot be empty"),
    ("x" * 81, "a label is at most 80 characters (this one has 81)"),
    ("Nurse, call 0555 123 4567", "a label describes a role"),
    ("Nurse, call 05551234567", "a label describes a role"),
    ("Clinic 2, ward 14, Gaziantep", None),
    ("Nurse @amira_k", "a label describes a role"),
    ("amira@example.org", "a label describes a role"),
    ("Nurse\tGaziantep", None),  # whitespace is folded, not refused
])
def test_labels_are_checked(label: str, error: str | None) -> None:
    if error is None:
        assert check_label(label) == " ".join(label.split())
    else:
        with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
            check_label(label)


@pytest.mark.parametrize(("days", "valid"), [(0, False), (-3, False), (1, True), (30, True),
                                             (31, False), (365, False)])
def test_an_invitation_is_valid_for_one_to_thirty_days(storage: Storage, days: int,
                                                       valid: bool) -> None:
    if valid:
        assert check_days(days) == timedelta(days=days)
        desk(storage).create("referrer", None, None, timedelta(days=days))
        return
    with pytest.raises(ValueError, match=rf"--days must be between 1 and 30 \(got {days}\)"):
        check_days(days)
    with pytest.raises(ValueError, match="valid for 1 to 30 days"):
        desk(storage).create("referrer", None, None, timedelta(days=days))
    assert desk(storage).pending() == []


def test_the_audit_trail_is_searched_by_code_actor_subject_action_and_time(
        storage: Storage) -> None:
    audit = storage.audit
    audit.record("cli", "invite", None, NOW, subject="invite:1")
    audit.record("staff:12", "enrol", None, NOW, subject="invite:1")
    audit.record("staff:12", "view", "K7Q-4MX-2PY", LATER)
    audit.record("staff:3", "view", None, LATER)
    audit.record("cli", "revoke", None, LATER, subject="staff:12")

    def rows(**filters: object) -> list[tuple[str, str, str | None]]:
        return [(r.actor, r.action, r.subject)
                for r in audit.search(**filters)]  # type: ignore[arg-type]

    assert rows(code="k7q4mx2py") == [("staff:12", "view", None)]
    assert rows(actor="staff:12") == [("staff:12", "enrol", "invite:1"),
                                      ("staff:12", "view", None),
                                      ("cli", "revoke", "staff:12")]
    assert [a for a, _, _ in rows(actor="staff")] == ["staff:12", "staff:12", "staff:3"]
    assert rows(action="revoke") == [("cli", "revoke", "staff:12")]
    assert len(rows(since=LATER)) == 3
    assert rows(limit=2) == [("staff:3", "view", None), ("cli", "revoke", "staff:12")]
    assert rows(actor="cli", since=LATER) == [("cli", "revoke", "staff:12")]


@pytest.mark.parametrize("subject", ["Amira", "staff:12 x", "+90 555 123 4567", "staff:"])
def test_an_audit_subject_cannot_hold_a_name(storage: Storage, subject: str) -> None:
    with pytest.raises(ValueError, match="audit subject must be kind:id"):
        storage.audit.record("cli", "revoke", None, NOW, subject=subject)
    assert storage.audit.search() == []
