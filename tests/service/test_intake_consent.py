"""Each referral is stored with the consent it was made under: when one step makes two
referrals under different consents (an urgent note under its own, then the pathway's under
a consent given earlier and not asked again), each referral's consent record in the database
is its own, and a child-safety override stays with the one referral it applied to. Each
record keeps the language its script was shown in and when it was given: a consent not asked
again keeps its own time, not that of the later referral.

The intake desk runs on a real, migrated SQLite file, with the referral desk in front of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as Database
from sqlalchemy import select, update

from bot.directory import load_directory
from bot.engine import Choice, Choices, Command, Engine, Input
from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.flows.library import FlowLibrary
from bot.i18n.texts import Texts
from bot.ports import Staff
from bot.service.intake import IntakeDesk, Turn
from bot.service.referrals import ReferralDesk
from storage import migrate
from storage.clock import FixedClock
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.models import ConsentRecord, Conversation, Referral
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW

CHAT = 41

#: The pathway's consent, then one question the urgent screen makes needless, then its
#: referral; /urgent at that question: an urgent note under its own consent, and back to
#: the pathway's consent, given already, so the note's last answer sends both referrals.
STRAIGHT = """\
spec_version: 2
id: straight
revision: 1
title: Two referrals in one step
languages: [en]
inputs: [hub]
start: consent
urgent: urgent_q
nodes:
  consent:
    type: consent
    script: May I ask an organisation to help you?
    scopes: [refer, share, statistics]
    required: [refer, share]
    given_by: [person, caregiver]
    methods: [in_person, remote]
    next: need
    refused: sorry
  need:
    type: ask
    kind: choice
    collects: need
    relevant: {not: {answer: urgent_q, answered: true}}
    text: What help does the person need?
    options: {food: Food, legal: Legal help}
    next: send
  send:
    type: refer
    case_type: protection
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  sorry:
    type: end
    outcome: consent_refused
    text: Understood.
  urgent_q:
    type: ask
    kind: choice
    collects: routing
    text: What is urgent?
    options: {note: An urgent note}
    next: note
  note:
    type: consent
    script: May I send an urgent note?
    scopes: [refer, share]
    given_by: [person, caregiver]
    methods: [in_person, remote]
    next: send_note
    refused: consent
  send_note:
    type: refer
    case_type: medical
    hub: hub
    urgent: true
    next: consent
"""

#: A child pathway in miniature: the caregiver agrees to the child protection referral;
#: /urgent, a child in danger now, the child says no to the urgent note and the override
#: sends it; back to the caregiver's consent, given already, and its referral, in one step.
OVERRIDDEN = """\
spec_version: 2
id: overridden
revision: 1
title: An override beside a consent given earlier
languages: [en]
inputs: [hub]
start: consent
urgent: danger
nodes:
  consent:
    type: consent
    script: May I ask people who help children to help this child?
    scopes: [refer, share]
    given_by: [caregiver]
    methods: [remote]
    next: areas
    refused: sorry
  areas:
    type: ask
    kind: choice
    collects: routing
    relevant: {not: {answer: danger, answered: true}}
    text: Which area of concern?
    options: {school: School, work: Work}
    next: send
  send:
    type: refer
    case_type: child_protection
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  sorry:
    type: end
    outcome: consent_refused
    text: Understood.
  danger:
    type: ask
    kind: multi
    collects: risk_indicator
    text: What is true for the child now?
    options:
      abuse_now: Abuse going on now
      none: {label: None of these, exclusive: true}
    next: act
  act:
    type: urgent
    text: Call the safety contacts now.
    categories_from:
      answer: danger
      map: {abuse_now: safety}
    next: assent
  assent:
    type: consent
    script: May I tell people who help children right now?
    scopes: [refer, share]
    given_by: [child_assent]
    methods: [in_person]
    next: send_note
    refused: consent
    override:
      when: {answer: danger, includes: abuse_now}
      reasons:
        immediate_danger: The child is in immediate danger where they are
      next: send_note
  send_note:
    type: refer
    case_type: child_protection
    hub: hub
    urgent: true
    next: consent
"""


@dataclass
class Intake:
    desk: IntakeDesk
    storage: Storage
    database: Database
    staff: Staff
    clock: FixedClock

    def walk(self, inputs: list[Input]) -> list[Turn]:
        self.desk.start(CHAT, self.staff, {})
        return [self.desk.handle(CHAT, self.staff, given) for given in inputs]

    def walk_slowly(self, inputs: list[Input]) -> list[Turn]:
        """As ``walk``, one minute after the last step each: step ``n`` (from 1) at
        ``NOW + n`` minutes."""
        self.desk.start(CHAT, self.staff, {})
        turns = []
        for given in inputs:
            self.clock.advance(minutes=1)
            turns.append(self.desk.handle(CHAT, self.staff, given))
        return turns

    def given(self) -> dict[str, tuple[str | None, datetime | None, datetime]]:
        """Each stored referral's consent language, the time it was given and the time it
        was recorded (its referral's), by case code."""
        with self.database.connect() as connection:
            rows = connection.execute(
                select(Referral.code, ConsentRecord.language, ConsentRecord.given_at,
                       ConsentRecord.recorded_at)
                .join(ConsentRecord, ConsentRecord.referral_id == Referral.id)).all()
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def stored(self) -> dict[str, tuple[Any, ...]]:
        """Each stored referral's case type, scopes and override as the referral row keeps
        them, then its consent record, by case code."""
        with self.database.connect() as connection:
            rows = connection.execute(
                select(Referral.code, Referral.case_type, Referral.consent_scopes,
                       Referral.override_reason, ConsentRecord.granted,
                       ConsentRecord.refused, ConsentRecord.given_by, ConsentRecord.method,
                       ConsentRecord.override_reason, ConsentRecord.recorded_at)
                .join(ConsentRecord, ConsentRecord.referral_id == Referral.id)).all()
        return {row[0]: tuple(row[1:]) for row in rows}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "intake.sqlite3"
    database = make_engine(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture(scope="module")
def trial_flows(tmp_path_factory: pytest.TempPathFactory) -> FlowLibrary:
    folder = tmp_path_factory.mktemp("flows")
    (folder / "straight.yaml").write_text(STRAIGHT, encoding="utf-8")
    (folder / "overridden.yaml").write_text(OVERRIDDEN, encoding="utf-8")
    return FlowLibrary.load([folder])


def _intake(migrated: Path, tmp_path: Path, engine: Engine, flow: str) -> Iterator[Intake]:
    path = tmp_path / "intake.sqlite3"
    path.write_bytes(migrated.read_bytes())
    database = make_engine(f"sqlite:///{path}")
    storage = Storage.on(database, Cipher([generate_key()], index_key=generate_key()))
    clock = FixedClock(NOW)
    referrals = ReferralDesk(storage.referrals, storage.reminders, storage.audit,
                             load_directory(), clock, storage.unit)
    member = storage.staff.enrol(10, "referrer", agency=None, hub="gaziantep",
                                 language="en", at=NOW)
    try:
        yield Intake(IntakeDesk(engine, storage.sessions, referrals, clock, storage.unit,
                                flow=flow), storage, database, storage.staff.get(member),
                     clock)
    finally:
        database.dispose()


@pytest.fixture
def straight(migrated: Path, tmp_path: Path, trial_flows: FlowLibrary) -> Iterator[Intake]:
    yield from _intake(migrated, tmp_path, Engine(trial_flows, Texts(),
                                                  load_directory().hub_choices()), "straight")


@pytest.fixture
def overridden(migrated: Path, tmp_path: Path, trial_flows: FlowLibrary) -> Iterator[Intake]:
    yield from _intake(migrated, tmp_path, Engine(trial_flows, Texts(),
                                                  load_directory().hub_choices()), "overridden")


@pytest.fixture
def intake(migrated: Path, tmp_path: Path, engine: Engine) -> Iterator[Intake]:
    yield from _intake(migrated, tmp_path, engine, "intake")


@pytest.fixture
def gbv(migrated: Path, tmp_path: Path, engine: Engine) -> Iterator[Intake]:
    yield from _intake(migrated, tmp_path, engine, "gbv")


def test_two_referrals_of_one_step_are_each_stored_with_their_own_consent(
        straight: Intake) -> None:
    turns = straight.walk([
        Choice("caregiver"), Choice("remote"), Choice("yes"), Choice("yes"), Choice("yes"),
        Command("urgent"), Choice("note"),
        Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes")])
    last = turns[-1]
    assert last.ended is not None and last.ended.outcome == "referred"
    note, main = last.codes  # both made by the note's last answer
    assert [t for t in turns if t.codes] == [last]
    assert straight.stored() == {
        note: ("medical", "refer share", None,
               ["refer", "share"], [], "person", "in_person", None, NOW),
        main: ("protection", "refer share statistics", None,
               ["refer", "share", "statistics"], [], "caregiver", "remote", None, NOW),
    }


def test_an_override_stays_with_its_referral_and_never_reaches_the_other_of_its_step(
        overridden: Intake) -> None:
    turns = overridden.walk([
        Choice("yes"), Choice("yes"),  # the caregiver agrees, remotely
        Command("urgent"), Choices(("abuse_now",)),
        Choice("no"), Choice("immediate_danger")])  # the child says no; the override
    last = turns[-1]
    assert last.ended is not None and last.ended.outcome == "referred"
    note, main = last.codes  # both made by the override's reason
    assert [t for t in turns if t.codes] == [last]
    assert overridden.stored() == {
        note: ("child_protection", "", "immediate_danger",
               [], ["refer"], "child_assent", "in_person", "immediate_danger", NOW),
        main: ("child_protection", "refer share", None,
               ["refer", "share"], [], "caregiver", "remote", None, NOW),
    }


def test_a_gbv_survivor_s_urgent_note_and_her_gbv_referral_keep_their_own_consents(
        gbv: Intake) -> None:
    """The bundled GBV flow: the survivor agrees to the GBV referral with anonymous figures;
    at /urgent the injury note asks its own consent, without them; the GBV consent is not
    asked again, and still governs the GBV referral."""
    turns = gbv.walk([
        Choice("adult"), Choices(("none",)),
        Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),
        Choices(("psychosocial",)), Command("urgent"), Choices(("injury",)),
        Choice("in_person"), Choice("yes"), Choice("yes"), Choice("through_me"),
        Choice("self")])
    assert turns[-1].ended is not None and turns[-1].ended.outcome == "referred"
    note, main = turns[-1].codes
    stored = gbv.stored()
    assert [stored[note][0], stored[main][0]] == ["medical", "gbv"]
    assert stored[note][3:] == (["refer", "share"], [], "person", "in_person", None, NOW)
    assert stored[main][3:] == (["refer", "share", "statistics"], [], "person", "in_person",
                                None, NOW)


@pytest.mark.parametrize(("carried", "given", "stored"), [
    (None, consent(), consent()),
    (consent(), None, consent()),
    (consent(), consent(), consent()),
], ids=["given only", "carried only", "the same both ways"])
def test_the_desk_stores_the_consent_a_referral_carries(
        straight: Intake, carried: ConsentRecorded | None, given: ConsentRecorded | None,
        stored: ConsentRecorded) -> None:
    desk = straight.desk.desk
    made = request(consent=stored.granted, consent_record=carried)
    code = desk.submit(made, straight.staff, given).code
    assert straight.stored()[code][3:8] == (list(stored.granted), list(stored.refused),
                                            stored.given_by, stored.method,
                                            stored.override_reason)


def test_the_desk_refuses_to_store_another_consent_than_the_referral_s_own(
        straight: Intake) -> None:
    made = request(consent=("refer", "share", "statistics"), consent_record=consent())
    with pytest.raises(ValueError) as refused:
        straight.desk.desk.submit(made, straight.staff, consent(given_by="caregiver"))
    assert str(refused.value) == "a referral is stored with the consent it was made under, " \
                                 "not another one"
    assert straight.stored() == {}


@pytest.mark.parametrize(("changes", "why"), [
    ({"consent": ("refer",)}, "other scopes"),
    ({"override_reason": "immediate_danger"}, "an override its record does not have"),
])
def test_a_referral_s_scopes_and_override_are_those_of_its_consent_record(
        changes: dict[str, Any], why: str) -> None:
    with pytest.raises(ValueError) as refused:
        ReferralRequested(**{**request(consent_record=consent()).__dict__, **changes})
    assert str(refused.value) == "a referral's consent scopes and override reason must be " \
                                 "those of its own consent record", why


def test_a_conversation_stored_before_referrals_carried_their_consent_goes_on_under_it(
        gbv: Intake) -> None:
    """A session saved by the earlier code, between the urgent note and the GBV referral:
    ``consent`` still the note's, the GBV consent waiting in ``resumed``. It loads from the
    encrypted store and the GBV referral is stored with the GBV consent."""
    turns = gbv.walk([
        Choice("adult"), Choices(("none",)),
        Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),
        Choices(("psychosocial",)), Command("urgent"), Choices(("injury",)),
        Choice("in_person"), Choice("yes"), Choice("yes"), Choice("through_me")])
    (note,) = turns[-1].codes
    current = gbv.desk.current(CHAT)
    assert current is not None and current.state.endswith("reach")
    old = json.loads(current.to_json())
    old["resumed"] = old["consent"]  # the GBV consent, given before /urgent
    old["consent"] = {"granted": ["refer", "share"], "refused": [], "given_by": "person",
                      "method": "in_person", "override_reason": None}  # the note's
    with gbv.database.begin() as connection:
        connection.execute(update(Conversation).where(Conversation.chat_id == CHAT).values(
            state=gbv.storage.context.cipher.encrypt(json.dumps(old))))
    last = gbv.desk.handle(CHAT, gbv.staff, Choice("self"))
    assert last.ended is not None and last.ended.outcome == "referred"
    assert last.codes[0] == note
    assert gbv.stored()[last.codes[1]][:8] == (
        "gbv", "refer share statistics", None, ["refer", "share", "statistics"], [],
        "person", "in_person", None)


def at_step(number: int) -> datetime:
    return NOW + timedelta(minutes=number)


def test_a_consent_not_asked_again_keeps_the_time_and_language_it_was_given_in(
        intake: Intake) -> None:
    """Through the bundled intake, the person speaking Arabic: the GBV consent is given at
    step 9; the injury note's at step 15, sent at step 16; the GBV referral is made at step
    17. Its record keeps step 9's time, the note's its own step's, both in Arabic."""
    turns = intake.walk_slowly([
        Choice("gbv"), Choice("gaziantep"), Choice("ar"), Choice("adult"), Choices(("none",)),
        Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),  # 6 to 9: consent
        Choices(("psychosocial",)), Command("urgent"), Choices(("injury",)),
        Choice("in_person"), Choice("yes"), Choice("yes"),  # 13 to 15: the note's consent
        Choice("through_me"), Choice("self")])
    assert turns[-1].ended is not None and turns[-1].ended.outcome == "referred"
    note, main = turns[-1].codes
    assert turns[-2].codes == (note,)
    assert intake.given() == {
        note: ("ar", at_step(15), at_step(16)),
        main: ("ar", at_step(9), at_step(17)),
    }


def test_a_consent_given_in_the_step_that_refers_is_given_at_that_step_s_time(
        straight: Intake) -> None:
    turns = straight.walk_slowly([
        Choice("caregiver"), Choice("remote"), Choice("yes"), Choice("yes"), Choice("yes"),
        Command("urgent"), Choice("note"),
        Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes")])
    note, main = turns[-1].codes
    assert straight.given() == {
        note: ("en", at_step(11), at_step(11)),
        main: ("en", at_step(5), at_step(11)),
    }


def test_a_conversation_saved_before_consents_kept_their_language_and_time_goes_on(
        straight: Intake) -> None:
    """A session saved by the earlier code, its consents without a language or a time,
    loads; the referral made under such a consent stores neither (nothing to invent), and
    a consent given after it has both."""
    straight.walk_slowly([Choice("caregiver"), Choice("remote"), Choice("yes"), Choice("yes"),
                          Choice("yes"), Command("urgent"), Choice("note")])
    current = straight.desk.current(CHAT)
    assert current is not None and current.state == "note"
    old = json.loads(current.to_json())
    for record in (old["consent"], *old["consents"].values()):
        assert record.pop("language") == "en" and record.pop("given_at") is not None
    with straight.database.begin() as connection:
        connection.execute(update(Conversation).where(Conversation.chat_id == CHAT).values(
            state=straight.storage.context.cipher.encrypt(json.dumps(old))))
    turns = [straight.desk.handle(CHAT, straight.staff, given) for given in
             (Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"))]
    note, main = turns[-1].codes
    assert straight.given() == {note: ("en", at_step(7), at_step(7)),
                                main: (None, None, at_step(7))}
