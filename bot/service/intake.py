"""The intake desk: one referrer's conversation, from /new to the case code.

Each input is handled in one transaction: record the update id, load the session, step the
engine, submit any referral it asks for, save (or delete) the session with the channel's
bookkeeping. A crash at any point leaves either the state before the input or the state after
it, never half.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from bot.engine import Engine, Input, Session
from bot.engine.events import Event, ReferralRequested, Say, SessionEnded
from bot.engine.inputs import Command
from bot.flows.needs import pathway_case_types
from bot.i18n.texts import N_
from bot.ports import Clock, SessionStore, Staff, Unreadable, UpdateLedger
from bot.routing.route import NoRoute
from bot.service.referrals import ReferralDesk

Unit = Callable[[], AbstractContextManager[object]]
#: Whether an input still applies to the stored session (see :meth:`IntakeDesk.handle`).
Accept = Callable[[Session], bool]
#: The channel's bookkeeping after a turn, from the session before it and the turn.
Bookkeep = Callable[[Session, "Turn"], dict[str, Any]]
ENTRY_FLOW = "intake"
#: Endings without a referral after which the referrer is shown where the person can go.
SHOW_SERVICES = ("not_eligible", "consent_refused", "info_only")
#: Said before a fresh start when a conversation's flow revision was withdrawn or can no
#: longer be loaded, instead of failing on every press.
RESTARTED = N_("The questions of this intake were changed by the coordinators, and the "
               "version it began on can no longer be used. Its answers were erased; the "
               "intake starts again from the beginning.")


class Duplicate(Exception):
    """This update was already handled (a redelivery): do nothing, say nothing."""


@dataclass(frozen=True)
class Turn:
    """What one input led to, for the channel to render."""

    events: list[Event] = field(default_factory=list)
    session: Session | None = None
    code: str | None = None  # the last referral's case code (see ``codes``)
    unrouted: str | None = None  # why the referral could not be routed, for the referrer
    ended: SessionEnded | None = None
    refused: bool = False  # ``accept`` refused the input; nothing changed
    previous: Session | None = None  # the unfinished intake a new one replaced
    #: Every case code this conversation has made so far, this turn's included, in order.
    codes: tuple[str, ...] = ()
    #: An ending without a referral: the case types of the person's needs and the hub, so
    #: the referrer can be shown where the person can go (``bot.flows.needs``).
    needs: tuple[str, ...] = ()
    hub: str | None = None


@dataclass
class IntakeDesk:
    engine: Engine
    sessions: SessionStore
    desk: ReferralDesk
    clock: Clock
    unit: Unit
    ledger: UpdateLedger | None = None
    idle: timedelta = timedelta(minutes=30)
    flow: str = ENTRY_FLOW

    def _once(self, update_id: int | None) -> None:
        """Record the update in the same transaction as the change it causes, so a crash
        either keeps both or neither, and a redelivered update is recognised."""
        if update_id is not None and self.ledger is not None and \
                not self.ledger.first_time(update_id, self.clock.now()):
            raise Duplicate(update_id)

    def start(self, chat_id: int, staff: Staff, host: dict[str, object],
              update_id: int | None = None, replace_open: bool = True) -> Turn:
        """A new intake; an unfinished one in this chat is dropped with its answers (the
        turn's ``previous``, so the channel can clear its messages). With ``replace_open``
        false an unfinished one is kept instead: the turn is ``refused``, its session the
        unfinished one, and only the update is recorded (the channel asks first)."""
        with self.unit():
            self._once(update_id)
            previous = self.sessions.load(chat_id)
            if previous is not None and not replace_open:
                return Turn(session=previous, refused=True)
            today = self.clock.now().date()
            step = self.engine.start(self.flow, staff.language, today=today,
                                     answers={"hub": staff.hub} if staff.hub else None)
            session = step.session.with_(host=dict(host))
            self.sessions.save(chat_id, session, self.clock.now())
            return Turn(list(step.events), session, previous=previous)

    def current(self, chat_id: int) -> Session | None:
        return self.sessions.load(chat_id)

    def show(self, session: Session) -> list[Event]:
        """The session's waiting question again; pure, nothing is stored."""
        return list(self.engine.show(session, self.clock.now().date()).events)

    def handle(self, chat_id: int, staff: Staff, given: Input, *,
               update_id: int | None = None, accept: Accept | None = None,
               bookkeep: Bookkeep | None = None) -> Turn:
        """Step the conversation of this chat, in one transaction.

        ``accept`` may refuse the input against the stored session (a button from an
        earlier step): the turn then has ``refused`` set and nothing changes. ``bookkeep``
        computes the channel's new bookkeeping from the session before and the turn, and is
        saved with the step, so a crash keeps both or neither. A turn without a session:
        no intake is open in this chat.
        """
        with self.unit():
            self._once(update_id)
            before = self._load(chat_id, drop=given == Command("cancel"))
            if before is None:
                return Turn()
            if not self.engine.library.available(before.flow_id, before.revision):
                return self._restart(chat_id, staff, before, bookkeep)
            if accept is not None and not accept(before):
                return Turn(session=before, refused=True)
            now = self.clock.now()  # a consent this step completes is given now
            step = self.engine.step(before, given, now.date(), now=now)
            code = unrouted = None
            session = step.session
            # One identification may make several referrals in one step (an urgent note to
            # health care and one to child protection): each is routed to its own hub focal
            # point with its own case code and deadline, and stored with the consent it was
            # made under (its own record, not the step's last: an urgent note's consent and
            # the pathway's, given earlier, may both govern referrals of one step).
            for event in step.events:
                if isinstance(event, ReferralRequested):
                    submitted = self.desk.submit(event, staff, event.consent_record)
                    code = submitted.code
                    session = session.with_(codes=(*session.codes, code))
                    if isinstance(submitted.route, NoRoute):
                        unrouted = submitted.route.reason
            ended = next((e for e in step.events if isinstance(e, SessionEnded)), None)
            turn = Turn(list(step.events), session, code, unrouted, ended,
                        codes=session.codes)
            if ended is not None and ended.outcome in SHOW_SERVICES:
                turn = replace(turn, **self._needs(before))
            if bookkeep is not None:
                turn = replace(turn, session=session.with_(host=bookkeep(before, turn)))
            assert turn.session is not None
            if turn.session.ended:
                self.sessions.delete(chat_id)
            else:
                self.sessions.save(chat_id, turn.session, self.clock.now())
            return turn

    def _restart(self, chat_id: int, staff: Staff, before: Session,
                 bookkeep: Bookkeep | None) -> Turn:
        """The conversation's revision is gone (withdrawn, or stored nowhere): say so and
        start the intake again on the current revision, whatever the input was."""
        lang = before.referrer_lang
        step = self.engine.start(self.flow, lang, today=self.clock.now().date(),
                                 answers={"hub": staff.hub} if staff.hub else None)
        notice = Say(self.engine.texts.gettext(lang, RESTARTED), lang, "referrer")
        turn = Turn([notice, *step.events], step.session)
        if bookkeep is not None:
            turn = replace(turn, session=step.session.with_(host=bookkeep(before, turn)))
        assert turn.session is not None
        self.sessions.save(chat_id, turn.session, self.clock.now())
        return turn

    def _needs(self, before: Session) -> dict[str, Any]:
        """Where the person's needs lie, from the answers before the ending erased them."""
        hub = before.answers.get("hub")
        return {"needs": self.needs_of(before), "hub": hub if isinstance(hub, str) else None}

    def needs_of(self, session: Session) -> tuple[str, ...]:
        """The case types of the person's needs as the conversation stands (``/services``
        during an intake, and the ending without a referral)."""
        if not self.engine.library.available(session.flow_id, session.revision):
            return ()
        flow = self.engine.library.revision(session.flow_id, session.revision)
        return pathway_case_types(flow, session.state, session.answers)

    def remember(self, chat_id: int, host: dict[str, object]) -> None:
        """Update the channel's bookkeeping (message ids, step) without an engine step."""
        with self.unit():
            session = self.sessions.load(chat_id)
            if session is not None:
                self.sessions.save(chat_id, session.with_(host={**session.host, **host}),
                                   self.clock.now())

    def forget(self, chat_id: int, update_id: int | None = None) -> Session | None:
        """Erase the conversation at once (/forget); returns it so its messages can go."""
        with self.unit():
            self._once(update_id)
            session = self._load(chat_id, drop=True)
            self.sessions.delete(chat_id)
            return session

    def _load(self, chat_id: int, *, drop: bool) -> Session | None:
        """The chat's conversation. One the keys cannot decrypt is deleted when ``drop``
        (/cancel and /forget must work whatever is stored) and counts as none; otherwise
        the error stands and the row is kept for the right key."""
        try:
            return self.sessions.load(chat_id)
        except Unreadable:
            if not drop:
                raise
            self.sessions.delete(chat_id)
            return None

    def expire(self) -> list[tuple[int, Session]]:
        """Close conversations idle past the limit; their answers are erased."""
        before = self.clock.now() - self.idle
        closed = []
        for chat_id in self.sessions.idle(before):
            with self.unit():
                session = self.sessions.load(chat_id)
                self.sessions.delete(chat_id)
            if session is not None:
                closed.append((chat_id, session))
        return closed
