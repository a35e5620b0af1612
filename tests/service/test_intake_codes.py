"""The intake desk carries every case code of a conversation: one identification may make an
urgent referral in one turn and the pathway's own referral turns later, each with its own
code (CP template SOPs, Annex F: "After Urgent Action, Follow-up and continue")."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.engine import Choice, Choices, Engine, Input, Session
from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.ports import Staff
from bot.routing.route import Route
from bot.service.intake import IntakeDesk, Turn
from bot.service.referrals import Submitted
from storage.clock import FixedClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHAT = 77
STAFF = Staff(1, "referrer", None, "gaziantep", "en", True, False)


@dataclass
class Sessions:
    held: dict[int, Session] = field(default_factory=dict)

    def load(self, chat_id: int) -> Session | None:
        return self.held.get(chat_id)

    def save(self, chat_id: int, session: Session, at: datetime) -> None:
        self.held[chat_id] = session

    def delete(self, chat_id: int) -> None:
        self.held.pop(chat_id, None)


@dataclass
class Desk:
    """Numbers the referrals it is asked to submit, and remembers them."""

    sent: list[ReferralRequested] = field(default_factory=list)

    def submit(self, request: ReferralRequested, referrer: Staff,
               consent: ConsentRecorded | None) -> Submitted:
        self.sent.append(request)
        return Submitted(f"C{len(self.sent)}", Route("gaziantep", request.case_type,
                                                     "example_health", "focal_point"))


#: An injury: the urgent note to health care, then the GBV pathway to its own referral.
ANSWERS: dict[str, Input] = {
    "urgent_concerns": Choices(("injury",)), "note_consent": Choice("yes"),
    "note_reach": Choice("through_me"), "age_band": Choice("adult"),
    "consent": Choice("yes"), "wishes": Choices(("caseworker",)), "reach": Choice("self"),
}
CONSENT_STEPS = {"note_consent": ("person", "in_person"), "consent": ("in_person",)}


def test_an_urgent_note_and_the_pathways_referral_each_keep_their_code(engine: Engine) -> None:
    sessions, desk = Sessions(), Desk()
    intake = IntakeDesk(engine, sessions, desk, FixedClock(NOW),  # type: ignore[arg-type]
                        lambda: nullcontext(), flow="gbv")
    intake.start(CHAT, STAFF, {})
    turns: list[Turn] = []
    asked: dict[str, int] = {}
    while (session := sessions.load(CHAT)) is not None:
        node = session.state.rsplit("/", 1)[-1]
        step = asked.get(node, 0)
        asked[node] = step + 1
        extra = CONSENT_STEPS.get(node, ())
        given = Choice(extra[step]) if step < len(extra) else ANSWERS[node]
        turns.append(intake.handle(CHAT, STAFF, given))
        assert len(turns) < 30
    with_codes = [turn for turn in turns if turn.code is not None]
    first, last = with_codes
    assert first.session is not None and not first.session.ended  # the pathway goes on
    assert first.codes == ("C1",) and first.session.codes == ("C1",)
    assert last.ended is not None and last.ended.outcome == "referred"
    assert last.codes == ("C1", "C2") and last.code == "C2"
    assert [r.case_type for r in desk.sent] == ["medical", "gbv"]
