"""The referral desk lets only an active focal point or coordinator of the agency holding a
referral act on it: every other actor is refused, audited, and changes nothing.

These tests go to the desk directly (no Telegram in front of it), so a check missing from
one desk action cannot hide behind an earlier check of the chat path. Storage is a real,
migrated SQLite file, copied fresh for each test from one migrated per module.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.directory import load_directory
from bot.ports import Role, Staff
from bot.routing.route import NoRoute, Route
from bot.service.referrals import ReferralDesk, Refused
from storage import migrate
from storage.clock import FixedClock
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.models import ConsentRecord
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW

OWNER = "example_health"
OTHER = "example_law"
CONTACT = {"phone": "+90 555 123 4567"}
NOT_YOURS = "This referral is not with your agency."


@dataclass
class Desk:
    desk: ReferralDesk
    storage: Storage
    engine: Engine
    clock: FixedClock

    def member(self, telegram_id: int, role: Role, agency: str | None,
               active: bool = True) -> Staff:
        staff = self.storage.staff
        member_id = staff.enrol(telegram_id, role, agency=agency, hub="gaziantep",
                                language="en", at=NOW)
        if not active:
            staff.set_active(member_id, False)
        return staff.get(member_id)

    def referral(self, agency: str | None, status: str = "sent") -> str:
        """A referral held by ``agency``, moved by its own focal point to ``status``."""
        code = self.storage.referrals.create(request(contact=CONTACT), referrer_id=None,
                                             agency=agency, at=NOW)
        if status == "accepted":
            owner = self.member(900, "focal_point", agency)
            assert self.desk.act(owner, code, "accept") == "accepted"
        return code


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "intake.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def desk(migrated: Path, tmp_path: Path) -> Iterator[Desk]:
    path = tmp_path / "intake.sqlite3"
    shutil.copyfile(migrated, path)
    engine = make_engine(f"sqlite:///{path}")
    storage = Storage.on(engine, Cipher([generate_key()], index_key=generate_key()))
    clock = FixedClock(NOW)
    yield Desk(ReferralDesk(storage.referrals, storage.reminders, storage.audit,
                            load_directory(), clock, storage.unit), storage, engine, clock)
    engine.dispose()


@dataclass(frozen=True)
class Action:
    name: str
    status: str  # where the referral is put first: the owner could take the action there
    takes: Callable[[ReferralDesk, Staff, str], object]
    done: str  # the status once the owner has taken it (view and reveal change nothing)


ACTIONS = [
    Action("view", "sent", lambda d, s, c: d.view(s, c), "sent"),
    Action("acknowledge", "sent", lambda d, s, c: d.act(s, c, "acknowledge"), "acknowledged"),
    Action("accept", "sent", lambda d, s, c: d.act(s, c, "accept"), "accepted"),
    Action("decline", "sent", lambda d, s, c: d.act(s, c, "decline", "no_capacity"),
           "declined"),
    Action("forward", "sent", lambda d, s, c: d.act(s, c, "forward", OTHER), "forwarded"),
    Action("close", "accepted", lambda d, s, c: d.act(s, c, "close", "services_provided"),
           "closed"),
    Action("reveal", "accepted", lambda d, s, c: d.reveal(s, c), "accepted"),
]

#: Who may not act on a referral held by OWNER: (description, role, agency, active).
STRANGERS: list[tuple[str, Role, str | None, bool]] = [
    ("focal point of another agency", "focal_point", OTHER, True),
    ("coordinator of another agency", "coordinator", OTHER, True),
    ("deactivated focal point of the agency", "focal_point", OWNER, False),
    ("referrer enrolled with the agency", "referrer", OWNER, True),
    ("focal point of no agency", "focal_point", None, True),
]


@pytest.mark.parametrize("role", ["focal_point", "coordinator"])
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_the_agency_s_own_focal_point_or_coordinator_can_take_each_action(
        desk: Desk, action: Action, role: Role) -> None:
    """The control for the refusals below: from the same status, the owner succeeds."""
    code = desk.referral(OWNER, action.status)
    result = action.takes(desk.desk, desk.member(1, role, OWNER), code)
    if action.name == "reveal":
        assert result == CONTACT
    assert desk.storage.referrals.get(code).status == action.done
    assert desk.storage.audit.entries(code)[-1][2] == action.name


@pytest.mark.parametrize("stranger", STRANGERS, ids=lambda s: s[0])
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_every_focal_action_by_anyone_else_is_refused_audited_and_changes_nothing(
        desk: Desk, action: Action, stranger: tuple[str, Role, str | None, bool]) -> None:
    _, role, agency, active = stranger
    code = desk.referral(OWNER, action.status)
    actor = desk.member(2, role, agency, active)
    before = (desk.storage.referrals.get(code), desk.storage.referrals.events(code))
    trail = desk.storage.audit.entries(code)
    with pytest.raises(Refused) as refused:
        action.takes(desk.desk, actor, code)
    assert str(refused.value) == NOT_YOURS
    assert (desk.storage.referrals.get(code), desk.storage.referrals.events(code)) == before
    assert desk.storage.audit.entries(code) == [
        *trail, (NOW, f"staff:{actor.id}", f"refused_{action.name}", code)]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_a_referral_no_agency_holds_is_refused_to_every_focal_point(
        desk: Desk, action: Action) -> None:
    code = desk.referral(None)
    with pytest.raises(Refused, match=NOT_YOURS):
        action.takes(desk.desk, desk.member(3, "coordinator", OWNER), code)
    assert desk.storage.referrals.get(code).status == "sent"


@pytest.mark.parametrize(("status", "moves"), [
    ("sent", []), ("acknowledged", [("acknowledge", None)]),
    ("declined", [("decline", "no_capacity")]),
    ("closed", [("accept", None), ("close", "services_provided")]),
])
def test_the_agency_itself_sees_no_contact_details_unless_accepted(
        desk: Desk, status: str, moves: list[tuple[str, str | None]]) -> None:
    code = desk.referral(OWNER)
    owner = desk.member(1, "focal_point", OWNER)
    for action, arg in moves:
        desk.desk.act(owner, code, action, arg)
    assert desk.storage.referrals.get(code).status == status
    with pytest.raises(Refused) as refused:
        desk.desk.reveal(owner, code)
    assert str(refused.value) == "Contact details are shown only after you accept the referral."
    assert desk.storage.audit.entries(code)[-1] == (NOW, f"staff:{owner.id}", "refused_reveal",
                                                    code)
    assert "reveal" not in [action for _, _, action, _ in desk.storage.audit.entries(code)]


def test_the_inbox_shows_an_agency_only_its_own_open_referrals_soonest_due_first(
        desk: Desk) -> None:
    referrals = desk.storage.referrals
    undated = referrals.create(request(), referrer_id=None, agency=OWNER, at=NOW)
    later, sooner = (referrals.create(request(), referrer_id=None, agency=OWNER, at=NOW,
                                      acknowledge_by=NOW + timedelta(hours=hours))
                     for hours in (48, 4))
    theirs = desk.referral(OTHER)
    desk.referral(None)
    for role in ("focal_point", "coordinator"):
        inbox = desk.desk.inbox(desk.member(4 if role == "coordinator" else 5, role, OWNER))
        assert [r.code for r in inbox] == [sooner, later, undated]
    assert [r.code for r in desk.desk.inbox(desk.member(6, "focal_point", OTHER))] == [theirs]
    assert desk.desk.inbox(desk.member(7, "referrer", OWNER)) == []
    assert desk.desk.inbox(desk.member(8, "coordinator", None)) == []


def hours(count: float) -> datetime:
    return NOW + timedelta(hours=count)


@dataclass(frozen=True)
class Submission:
    name: str
    changes: dict[str, object]
    partner: str | None
    #: agency, via, hub, acknowledge_by, respond_by, case_due_at of the stored referral
    stored: tuple[str | None, str | None, str, datetime | None, datetime | None, datetime]
    reminders: list[tuple[str, datetime, str | None]]
    audited: str


SUBMISSIONS = [
    Submission("high risk, to the hub's focal point", {}, None,
               ("example_health", "focal_point", "gaziantep", hours(4), hours(48), hours(48)),
               [("card", NOW, "example_health"), ("check", hours(2), "example_health")],
               "refer"),
    Submission("to a partner the referrer chose", {}, "example_law",
               ("example_law", "partner", "gaziantep", hours(4), hours(48), hours(48)),
               [("card", NOW, "example_law"), ("check", hours(2), "example_law")], "refer"),
    Submission("urgent, low risk, no due hours given",
               {"risk": "low", "urgent": True, "due_hours": None}, None,
               ("example_health", "focal_point", "gaziantep", hours(1), hours(24), hours(24)),
               [("card", NOW, "example_health"), ("check", hours(0.5), "example_health")],
               "refer"),
    Submission("due hours from the flow shorten the case deadline", {"due_hours": 24}, None,
               ("example_health", "focal_point", "gaziantep", hours(4), hours(24), hours(24)),
               [("card", NOW, "example_health"), ("check", hours(2), "example_health")],
               "refer"),
    Submission("medium risk, legal", {"case_type": "legal", "risk": "medium", "due_hours": None},
               None, ("example_law", "focal_point", "gaziantep", hours(24), hours(168),
                      hours(168)),
               [("card", NOW, "example_law"), ("check", hours(12), "example_law")], "refer"),
    Submission("no route: a hub the directory does not have", {"hub": "nowhere"}, None,
               (None, None, "nowhere", None, None, hours(48)),
               [("unrouted", NOW, None)], "refer_unrouted"),
]


@pytest.mark.parametrize("case", SUBMISSIONS, ids=lambda c: c.name)
def test_a_submitted_referral_is_stored_routed_with_its_consent_clocks_and_reminders(
        desk: Desk, case: Submission) -> None:
    referrer = desk.member(10, "referrer", None)
    given = consent(granted=("refer", "share"), refused=("statistics",), given_by="caregiver",
                    method="verbal")
    submitted = desk.desk.submit(request(**case.changes), referrer, given, case.partner)
    record = desk.storage.referrals.get(submitted.code)
    assert isinstance(submitted.route, NoRoute if case.stored[0] is None else Route)
    assert (record.agency, record.via, record.hub, record.acknowledge_by, record.respond_by,
            record.case_due_at) == case.stored
    assert (record.status, record.referrer_id, record.created_at) == ("sent", referrer.id, NOW)
    assert record.partner_chosen == (case.partner is not None)
    with desk.engine.connect() as connection:
        kept = connection.execute(select(
            ConsentRecord.granted, ConsentRecord.refused, ConsentRecord.given_by,
            ConsentRecord.method, ConsentRecord.recorded_at)).all()
    assert [tuple(row) for row in kept] == [
        (["refer", "share"], ["statistics"], "caregiver", "verbal", NOW)]
    due = desk.storage.reminders.claim_due("test", hours(1000), limit=10)
    assert [(r.kind, r.due_at, r.agency) for r in due] == case.reminders
    assert {r.code for r in due} == {submitted.code}
    assert desk.storage.audit.entries(submitted.code) == [
        (NOW, f"staff:{referrer.id}", case.audited, submitted.code)]


def due_reminders(desk: Desk) -> list[tuple[str, datetime, str | None]]:
    return [(r.kind, r.due_at, r.agency)
            for r in desk.storage.reminders.claim_due("test", hours(1000), limit=20)]


#: From a referral submitted at NOW (card at once, first check at 11:00), an hour later.
MOVES = [
    ("acknowledge", [("acknowledge", None)], "acknowledged", hours(48),
     [("card", NOW, OWNER), ("status:acknowledged", hours(1), None),
      ("check", hours(24.5), OWNER)]),
    ("accept", [("accept", None)], "accepted", None,
     [("card", NOW, OWNER), ("status:acknowledged", hours(1), None),
      ("status:accepted", hours(1), None)]),
    ("decline", [("decline", "no_capacity")], "declined", hours(1),
     [("card", NOW, OWNER), ("status:acknowledged", hours(1), None),
      ("check", hours(1), OWNER), ("status:declined", hours(1), None),
      ("check", hours(24.5), OWNER)]),
    ("close", [("accept", None), ("close", "services_provided")], "closed", None,
     [("card", NOW, OWNER), ("status:acknowledged", hours(1), None),
      ("status:accepted", hours(1), None), ("status:closed", hours(1), None)]),
    ("close after a decline", [("decline", "no_capacity"), ("close", "no_service_available")],
     "closed", None,
     [("card", NOW, OWNER), ("status:acknowledged", hours(1), None),
      ("status:declined", hours(1), None), ("status:closed", hours(1), None)]),
]


@pytest.mark.parametrize(("name", "moves", "status", "due", "reminders"), MOVES,
                         ids=[m[0] for m in MOVES])
def test_each_move_sets_the_status_its_clock_and_the_reminders_that_follow(
        desk: Desk, name: str, moves: list[tuple[str, str | None]], status: str,
        due: datetime | None, reminders: list[tuple[str, datetime, str | None]]) -> None:
    submitted = desk.desk.submit(request(), desk.member(10, "referrer", None), consent())
    desk.clock.advance(hours=1)
    owner = desk.member(1, "focal_point", OWNER)
    for action, arg in moves:
        desk.desk.act(owner, submitted.code, action, arg)
    record = desk.storage.referrals.get(submitted.code)
    assert (record.status, record.due_at) == (status, due)
    assert due_reminders(desk) == reminders
    trail = [(event.status, event.reason) for event in desk.storage.referrals.events(
        submitted.code)]
    assert trail[-1] == (status, moves[-1][1])


def test_a_forward_hands_the_referral_its_clocks_and_reminders_to_the_new_agency(
        desk: Desk) -> None:
    submitted = desk.desk.submit(request(), desk.member(10, "referrer", None), consent())
    desk.clock.advance(hours=1)
    owner, other = desk.member(1, "focal_point", OWNER), desk.member(2, "focal_point", OTHER)
    assert desk.desk.act(owner, submitted.code, "forward", OTHER) == "forwarded"
    record = desk.storage.referrals.get(submitted.code)
    assert (record.agency, record.via, record.acknowledge_by, record.respond_by,
            record.case_due_at) == (OTHER, "forwarded", hours(5), hours(48), hours(48))
    # The first agency's card and check are cancelled; the new agency gets its own.
    due = desk.storage.reminders.claim_due("test", hours(1000), limit=20)
    assert [(r.kind, r.due_at, r.agency, r.code) for r in due] == [
        ("card", hours(1), OTHER, submitted.code),
        ("status:forwarded", hours(1), None, submitted.code),
        ("check", hours(3), OTHER, submitted.code)]
    assert [(e.status, e.reason) for e in desk.storage.referrals.events(submitted.code)] == [
        ("sent", None), ("forwarded", None)]  # the agency is no reason
    with pytest.raises(Refused, match=NOT_YOURS):
        desk.desk.view(owner, submitted.code)
    assert desk.desk.act(other, submitted.code, "accept") == "accepted"  # acknowledged too
    assert [action for _, _, action, _ in desk.storage.audit.entries(submitted.code)] == [
        "refer", "forward", "refused_view", "acknowledge", "accept"]


@pytest.mark.parametrize(("changes", "holder", "to", "acknowledge_by", "case_due", "check"), [
    ({"risk": "low", "urgent": True, "due_hours": None}, OWNER, OTHER, hours(2), hours(24),
     hours(1.5)),
    ({"risk": "low", "urgent": False, "due_hours": None}, OWNER, OTHER, hours(73),
     hours(336), hours(37)),
    ({"case_type": "legal", "risk": "medium", "due_hours": None}, OTHER, OWNER, hours(25),
     hours(168), hours(13)),
], ids=["urgent", "low risk", "medium risk, legal"])
def test_a_forwarded_referral_gets_the_new_agency_s_clock_for_its_risk_and_keeps_notices(
        desk: Desk, changes: dict[str, object], holder: str, to: str,
        acknowledge_by: datetime, case_due: datetime, check: datetime) -> None:
    """Acknowledged, then forwarded an hour after it was sent: the new agency's clock starts
    at the forward and follows the referral's risk and urgency; the case deadline is kept;
    the referrer's notice of the acknowledgement is not cancelled with the agency's card."""
    submitted = desk.desk.submit(request(**changes), desk.member(10, "referrer", None),
                                 consent())
    desk.clock.advance(hours=1)
    owner = desk.member(1, "focal_point", holder)
    desk.desk.act(owner, submitted.code, "acknowledge")
    desk.desk.act(owner, submitted.code, "forward", to)
    record = desk.storage.referrals.get(submitted.code)
    assert (record.agency, record.acknowledge_by, record.respond_by, record.case_due_at) == (
        to, acknowledge_by, case_due, case_due)
    assert due_reminders(desk) == [("status:acknowledged", hours(1), None),
                                   ("card", hours(1), to),
                                   ("status:forwarded", hours(1), None),
                                   ("check", check, to)]


@pytest.mark.parametrize(("action", "arg", "message"), [
    ("forward", "no_such_agency", "That agency is not in the directory."),
    ("close", "services_provided", "cannot close a referral that is sent"),
    ("decline", None, "cannot decline a referral without a reason"),  # acknowledged, undone
])
def test_a_move_the_lifecycle_or_directory_refuses_changes_nothing_and_says_why(
        desk: Desk, action: str, arg: str | None, message: str) -> None:
    code = desk.referral(OWNER)
    before = desk.storage.referrals.events(code)
    with pytest.raises(Refused) as refused:
        desk.desk.act(desk.member(1, "focal_point", OWNER), code, action, arg)
    assert str(refused.value) == message and refused.value.code is None  # not an intrusion
    assert desk.storage.referrals.events(code) == before
    assert [action for _, _, action, _ in desk.storage.audit.entries(code)] == []
