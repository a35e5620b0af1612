"""The engine: drives a session through its compiled flow, one input at a time.

``step(session, input)`` returns a new session and the events the host must act on; the
input session is never modified. Nodes that only act (say, urgent, refer, end) run at once;
the session always rests on a node that waits for input (ask, consent, risk) or has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.engine import asking, consent, rating, referral, undo
from bot.engine.context import Ctx, HubChoice, Partners
from bot.engine.events import Event, LanguageChanged, Say
from bot.engine.inputs import Command, Input, Timeout
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.compiled import URGENT, CompiledFlow
from bot.flows.graph import EXIT
from bot.flows.library import FlowLibrary
from bot.flows.model import (
    OVERRIDE_ANSWER,
    AskNode,
    ConsentNode,
    EndNode,
    ReferNode,
    RiskNode,
    SayNode,
    UrgentNode,
)
from bot.i18n.texts import N_, Texts

#: More automatic moves than this without waiting for input means the flow loops.
MAX_AUTOMATIC_MOVES = 10_000


class EngineError(RuntimeError):
    """A flow misbehaved at run time in a way the checker could not foresee."""


@dataclass(frozen=True)
class Step:
    session: Session
    events: list[Event]


class Engine:
    def __init__(self, library: FlowLibrary, texts: Texts,
                 hubs: Sequence[HubChoice] | Callable[[], Sequence[HubChoice]] = (),
                 partners: Partners | None = None) -> None:
        """``hubs``: the hubs a referrer picks from, or how to get them (a running product's
        follow the directory as coordinators load new ones)."""
        self.library = library
        self.texts = texts
        self._hubs = hubs if callable(hubs) else tuple(hubs)
        self.partners = partners  # for ``partner`` questions; None: none are offered

    @property
    def hubs(self) -> tuple[HubChoice, ...]:
        """The hubs offered now; one step reads them once."""
        return tuple(self._hubs()) if callable(self._hubs) else tuple(self._hubs)

    def _ctx(self, flow: CompiledFlow, today: date | None, now: datetime | None) -> Ctx:
        return Ctx(flow, self.texts, self.hubs,
                   today or (now.date() if now is not None else date.today()),
                   partners=self.partners, now=now)

    def start(self, flow_id: str, referrer_lang: str, person_lang: str | None = None,
              today: date | None = None, answers: dict[str, Any] | None = None,
              now: datetime | None = None) -> Step:
        """Open a conversation on the current revision of a flow.

        ``answers`` pre-fills what a flow declares as inputs (the hub, when a host already
        knows it), so a sub-flow can also be run on its own.
        """
        flow = self.library.current(flow_id)
        ctx = self._ctx(flow, today, now)
        session = Session(flow.flow.id, flow.flow.revision, flow.graph.start, referrer_lang,
                          person_lang or referrer_lang, dict(answers or {}))
        ctx.draft_note(session)
        session = self._arrive(ctx, session)
        return Step(session, ctx.events)

    def step(self, session: Session, given: Input, today: date | None = None,
             now: datetime | None = None) -> Step:
        """One input. ``now`` is the step's time (timezone-aware UTC), recorded with a
        consent the step completes; ``today`` defaults to its date."""
        flow = self.library.revision(session.flow_id, session.revision)
        ctx = self._ctx(flow, today, now)
        if session.ended:
            ctx.hint(session, N_("This conversation has ended. Send /new to start another."))
            return Step(session, ctx.events)
        session = asking.keep_told(ctx, session)  # stored before answers added up
        if isinstance(given, Timeout):
            # As on /cancel: an urgent note sent earlier is not withdrawn.
            said = (N_("This conversation was closed after a period without activity. The "
                       "referrals already sent stay with the agencies that received them; "
                       "nothing else was kept.") if session.referred
                    else N_("This conversation was closed after a period without activity. "
                            "Nothing was kept."))
            ctx.events.append(Say(ctx.ui(session, said), session.referrer_lang, "referrer"))
            return Step(referral.finish(ctx, session, "cancelled", "timeout"), ctx.events)
        if isinstance(given, Command):
            return Step(self._command(ctx, session, given), ctx.events)
        node = flow.node(session.state)
        start, before = session, session.state
        if isinstance(node, AskNode):
            session, label = asking.answer(ctx, session, node, given)
        elif isinstance(node, ConsentNode):
            session, label = consent.answer(ctx, session, node, given)
        elif isinstance(node, RiskNode):
            session, label = rating.answer(ctx, session, node, given)
        else:  # pragma: no cover - sessions only rest on waiting nodes
            raise EngineError(f"session rests on a {type(node).__name__}")
        if label is not None:
            session = session.with_(history=(*session.history, before))
            session = undo.remember(start, self._move(ctx, session, label))
        return Step(session, ctx.events)

    def show(self, session: Session, today: date | None = None,
             now: datetime | None = None) -> Step:
        """The waiting question as it stands, changing nothing: for a screen that lost it
        (a reply that never arrived)."""
        flow = self.library.revision(session.flow_id, session.revision)
        ctx = self._ctx(flow, today, now)
        if not session.ended:
            self._show(ctx, session)
        return Step(session, ctx.events)

    # -- moving --------------------------------------------------------------------------
    def _move(self, ctx: Ctx, session: Session, label: str) -> Session:
        for _ in range(MAX_AUTOMATIC_MOVES):
            dest = ctx.flow.move(session.state, label)
            if dest == EXIT:  # a sub-flow run on its own returned
                return referral.finish(ctx, session, "urgent_referred" if session.referred
                                       else "info_only")
            session = session.with_(state=dest, node_state={}, retries=0)
            session, next_label = self._enter(ctx, session)
            if next_label is None:
                return session
            label = next_label
        raise EngineError(f"flow {session.flow_id} moved {MAX_AUTOMATIC_MOVES} times "
                          "without waiting for input")

    def _arrive(self, ctx: Ctx, session: Session) -> Session:
        session, label = self._enter(ctx, session)
        return self._move(ctx, session, label) if label is not None else session

    def _enter(self, ctx: Ctx, session: Session) -> tuple[Session, str | None]:
        # An include's fixed answers (``sets``) hold inside it: a shared sub-flow knows the
        # pathway it runs in without asking.
        fixed = ctx.flow.graph.sets_at(session.state)
        if any(session.answers.get(key) != value for key, value in fixed.items()):
            session = session.with_(answers={**session.answers, **fixed})
        node = ctx.flow.node(session.state)
        if isinstance(node, SayNode):
            if node.relevant is not None and not conditions.evaluate(node.relevant,
                                                                     session.answers):
                return session, ctx.branch(node.next, session.answers)
            ctx.events.append(Say(ctx.t(session, node.text, node.audience),
                                  ctx.lang(session, node.audience), node.audience))
            return session, ctx.branch(node.next, session.answers)
        if isinstance(node, AskNode):
            return asking.enter(ctx, session, node)
        if isinstance(node, ConsentNode):
            return consent.enter(ctx, session, node)
        if isinstance(node, RiskNode):
            return rating.enter(ctx, session, node)
        if isinstance(node, UrgentNode):
            return referral.urgent(ctx, session, node)
        if isinstance(node, ReferNode):
            return referral.refer(ctx, session, node)
        if isinstance(node, EndNode):
            return referral.end(ctx, session, node), None
        raise EngineError(f"cannot enter a {type(node).__name__}")  # pragma: no cover

    def _show(self, ctx: Ctx, session: Session) -> None:
        """Show the waiting question again, without any side effect."""
        node = ctx.flow.node(session.state)
        if isinstance(node, AskNode):
            asking.enter(ctx, session, node)
        elif isinstance(node, ConsentNode):
            consent.show(ctx, session, node)
        elif isinstance(node, RiskNode):
            rating.show(ctx, session, node)

    # -- commands ------------------------------------------------------------------------
    def _command(self, ctx: Ctx, session: Session, command: Command) -> Session:
        if command.name == "cancel":
            # An urgent note sent earlier in the conversation is not withdrawn: say so, so
            # the referrer does not believe the emergency team was never told.
            said = (N_("Cancelled. The referrals already sent stay with the agencies that "
                       "received them; nothing else was kept.") if session.referred
                    else N_("Cancelled. Nothing was kept."))
            ctx.events.append(Say(ctx.ui(session, said), session.referrer_lang, "referrer"))
            return referral.finish(ctx, session, "cancelled", "cancel")
        if command.name == "restart":
            referral.finish(ctx, session, "cancelled", "restart")
            fresh = Session(session.flow_id, session.revision, ctx.flow.graph.start,
                            session.referrer_lang, session.referrer_lang, host=session.host)
            return self._arrive(ctx, fresh)
        if command.name == "back":
            return self._back(ctx, session)
        if command.name == "language":
            return self._language(ctx, session, command.arg)
        return self._urgent(ctx, session)

    def _back(self, ctx: Ctx, session: Session) -> Session:
        if not session.history:
            ctx.hint(session, N_("This is the first question; there is nothing to go back to."))
            self._show(ctx, session)
            return session
        if not session.can_back:  # a referral already sent what came before
            ctx.hint(session, N_("The answers before this point were already sent in a "
                                 "referral, so you cannot go back further."))
            self._show(ctx, session)
            return session
        previous = session.history[-1]
        if session.undo:
            # Exactly as before that step: an answer it gave again (the urgent screen's,
            # after a second /urgent) is the earlier one again, not gone.
            session = undo.revert(session, session.undo[-1]).with_(
                state=previous, history=session.history[:-1], undo=session.undo[:-1],
                node_state={}, retries=0)
            return self._arrive(ctx, session)
        # A step of a session stored before steps kept what they changed: forget its
        # answer, as /back did then.
        node = ctx.flow.node(previous)
        answers = dict(session.answers)
        answers.pop(node.id, None)
        if isinstance(node, AskNode) and node.adds_up_as is not None:
            answers.pop(node.adds_up_as, None)  # kept from that answer alone (keep_told)
        changes: dict[str, object] = {}
        if isinstance(node, ConsentNode):
            # This consent is forgotten; one given earlier on the path (an urgent note's)
            # governs again what comes after it, so a referral reached by going further back
            # never leaves without the record it was agreed under.
            consents = {k: v for k, v in session.consents.items() if k != previous}
            changes["consents"] = consents
            changes["consent"] = next(
                ({k: v for k, v in consents[state].items() if k != "shown"}
                 for state in reversed(session.history[:-1]) if state in consents), None)
            answers.pop(OVERRIDE_ANSWER, None)
        if isinstance(node, RiskNode):
            changes["risk"] = None
        session = session.with_(state=previous, history=session.history[:-1], answers=answers,
                                node_state={}, retries=0, **changes)
        return self._arrive(ctx, session)

    def _language(self, ctx: Ctx, session: Session, lang: str | None) -> Session:
        languages = ctx.flow.flow.languages
        if lang not in languages:
            ctx.hint(session, N_("Available languages: %(codes)s"), codes=", ".join(languages))
            self._show(ctx, session)
            return session
        session = session.with_(referrer_lang=lang)
        ctx.events.append(LanguageChanged(lang))
        ctx.draft_note(session)
        self._show(ctx, session)
        return session

    def _urgent(self, ctx: Ctx, session: Session) -> Session:
        if session.state not in ctx.flow.graph.urgent:
            ctx.hint(session, N_("This flow has no urgent screen; call your hub's emergency "
                                 "contacts directly."))
            self._show(ctx, session)
            return session
        start = session
        session = session.with_(history=(*session.history, session.state))
        return undo.remember(start, self._move(ctx, session, URGENT))
