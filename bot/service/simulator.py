"""The console's simulator: try a flow in a browser with the engine the chat uses, storing
nothing.

A trial runs a checked draft (not yet published) or a published revision through
:class:`bot.engine.Engine`, with the hubs and partner agencies the bot offers, but never
through the intake desk: no conversation, referral, audit entry or anything else is written
to the database. A referral the flow would make is shown as what would be routed. The
conversation lives in memory only, visible to the coordinator who started it, idle-expiring
and bounded in number and length; a restart forgets it. Its events are turned into
:class:`Line` records for the page to word and show; the waiting question is
:attr:`Trial.prompt`.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.directory.model import Directory
from bot.engine import Choice, Choices, Command, Engine, Input, Session, Text
from bot.engine.context import HubChoice, Partners
from bot.engine.events import (
    Disclosure,
    Event,
    Hint,
    LanguageChanged,
    Prompt,
    ReferralRequested,
    RiskRated,
    Say,
    SessionEnded,
    UrgentAction,
)
from bot.engine.inputs import DONE
from bot.flows.library import FlowLibrary, StoredRevision, parse_sources
from bot.flows.model import Flow
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_, Texts
from bot.ports import Clock

#: A trial left alone this long is forgotten.
IDLE = timedelta(minutes=30)
TRIALS_PER_STAFF = 3
MAX_TRIALS = 100
#: The most lines a trial's transcript keeps (the oldest go first).
MAX_LINES = 300
#: What the transcript shows for a typed answer to a sensitive question.
HIDDEN = "••••••"
#: The longest typed answer taken (the engine's own limits are lower).
MAX_TEXT = 1000
#: The commands a trial takes (the chat's own, and starting again after the end).
COMMANDS = ("back", "restart", "cancel", "language", "urgent")

# Why the simulator refuses: English, kept as a phrase (the exception's argument) so the
# console can say it in the reader's language.
NO_FLOW_TO_TRY = N_("there is no flow '%(flow)s' to try here (there are: %(known)s)")
TRIAL_GONE = N_("this trial has ended or expired")
UNKNOWN_COMMAND = N_("the simulator has no command '%(command)s' (it has: %(known)s)")


class UnknownTrial(LookupError):
    """No such trial for this coordinator (never started, expired or someone else's), or no
    such flow to start one of; the message (a phrase, the first argument) says which."""


class UnknownCommand(ValueError):
    """A command the simulator does not take; the message (a phrase) names those it does."""


@dataclass(frozen=True)
class Line:
    """One thing the trial showed or was given, for the page to word.

    ``kind``: say, asked (a question as it was answered), hint, answer, disclosure, urgent,
    referral, risk, language, end.
    ``items`` are lines of detail (the labels a disclosure lists, emergency contacts);
    ``facts`` are named values (a referral's case type, hub, risk)."""

    kind: str
    text: str = ""
    audience: str = "referrer"
    lang: str = ""
    items: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()


@dataclass
class Trial:
    id: str
    staff_id: int
    #: What is tried: ("draft", draft id) or ("revision", "flow:N").
    origin: tuple[str, str]
    flow_id: str
    revision: int
    engine: Engine = field(repr=False)
    session: Session = field(repr=False)
    touched: datetime
    lines: list[Line] = field(default_factory=list, repr=False)
    prompt: Prompt | None = None

    @property
    def ended(self) -> bool:
        return self.session.ended

    @property
    def languages(self) -> tuple[str, ...]:
        return self.engine.library.current(self.flow_id).flow.languages

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.engine.library.current(self.flow_id).flow.inputs

    @property
    def can_urgent(self) -> bool:
        flow = self.engine.library.revision(self.session.flow_id, self.session.revision)
        return self.session.state in flow.graph.urgent


def library_of(flows: Mapping[str, Flow]) -> FlowLibrary:
    """A library serving exactly these flows (checked, revision numbers final)."""
    library = FlowLibrary()
    library.install(0, dict(flows))
    return library


def stored_flows(stored: StoredRevision) -> dict[str, Flow]:
    """The flows a stored revision was compiled from, the revision's own number on it."""
    flows = dict(parse_sources(stored.sources).flows)
    flows[stored.flow_id] = replace(flows[stored.flow_id], revision=stored.revision)
    return flows


class Simulator:
    def __init__(self, texts: Texts, directory: Directory,
                 hubs: Sequence[HubChoice] | Callable[[], Sequence[HubChoice]],
                 partners: Partners | None, clock: Clock, idle: timedelta = IDLE,
                 per_staff: int = TRIALS_PER_STAFF, limit: int = MAX_TRIALS) -> None:
        """``hubs``: the hubs offered, or how to get them as they are now (a running
        product's directory can be loaded again while it runs)."""
        self.texts = texts
        self.directory = directory
        self.hubs = hubs if callable(hubs) else tuple(hubs)
        self.partners = partners
        self.clock = clock
        self.idle = idle
        self.per_staff = per_staff
        self.limit = limit
        self._trials: OrderedDict[str, Trial] = OrderedDict()
        self._lock = threading.Lock()

    # -- starting ------------------------------------------------------------------------
    def start(self, flows: Mapping[str, Flow], flow_id: str, origin: tuple[str, str],
              staff_id: int, lang: str, hub: str | None = None) -> Trial:
        """Start a trial of ``flow_id`` among ``flows``; the referrer's language is
        ``lang`` when the flow has it, else its first. A flow that takes the hub as an
        input (a pathway tried on its own) gets ``hub``, or the first hub."""
        if flow_id not in flows:
            raise UnknownTrial(Phrase(NO_FLOW_TO_TRY, flow=flow_id,
                                      known=", ".join(sorted(flows))))
        engine = Engine(library_of(flows), self.texts, self.hubs, self.partners)
        flow = flows[flow_id]
        lang = lang if lang in flow.languages else flow.languages[0]
        answers: dict[str, Any] = {}
        if "hub" in flow.inputs:
            known = [h.id for h in (self.hubs() if callable(self.hubs) else self.hubs)]
            answers["hub"] = hub if hub in known else (known[0] if known else None)
        step = engine.start(flow_id, lang, answers=answers or None)
        trial = Trial(secrets.token_urlsafe(16), staff_id, origin, flow_id, flow.revision,
                      engine, step.session, self.clock.now())
        self._show(trial, step.events)
        with self._lock:
            self._expire()
            own = [k for k, t in self._trials.items() if t.staff_id == staff_id]
            for key in own[:max(len(own) - self.per_staff + 1, 0)]:
                del self._trials[key]
            while len(self._trials) >= self.limit:
                self._trials.popitem(last=False)
            self._trials[trial.id] = trial
        return trial

    def start_revision(self, stored: StoredRevision, staff_id: int, lang: str,
                       hub: str | None = None) -> Trial:
        return self.start(stored_flows(stored), stored.flow_id,
                          ("revision", f"{stored.flow_id}:{stored.revision}"), staff_id,
                          lang, hub)

    # -- going on ------------------------------------------------------------------------
    def get(self, trial_id: str, staff_id: int) -> Trial:
        with self._lock:
            self._expire()
            trial = self._trials.get(trial_id)
            if trial is None or trial.staff_id != staff_id:
                raise UnknownTrial(Phrase(TRIAL_GONE))
            self._trials.move_to_end(trial_id)
            trial.touched = self.clock.now()
            return trial

    def answer(self, trial_id: str, staff_id: int, given: Input) -> Trial:
        """Feed one input to the trial's engine and record what it showed."""
        trial = self.get(trial_id, staff_id)
        shown = self._given(trial, given)
        if trial.prompt is not None and not trial.ended:  # the question answered stays
            trial.lines.append(Line("asked", trial.prompt.text, trial.prompt.audience,
                                    trial.prompt.lang))
        if shown:
            trial.lines.append(Line("answer", shown, lang=trial.session.referrer_lang))
        step = trial.engine.step(trial.session, given)
        trial.session = step.session
        self._show(trial, step.events)
        return trial

    def choose(self, trial_id: str, staff_id: int, value: str) -> Trial:
        return self.answer(trial_id, staff_id, Choice(value))

    def choose_many(self, trial_id: str, staff_id: int, values: Sequence[str]) -> Trial:
        return self.answer(trial_id, staff_id, Choices(tuple(dict.fromkeys(values))))

    def type(self, trial_id: str, staff_id: int, text: str) -> Trial:
        return self.answer(trial_id, staff_id, Text(text[:MAX_TEXT]))

    def command(self, trial_id: str, staff_id: int, name: str,
                arg: str | None = None) -> Trial:
        trial = self.get(trial_id, staff_id)
        if name not in COMMANDS:
            raise UnknownCommand(Phrase(UNKNOWN_COMMAND, command=name,
                                        known=", ".join(COMMANDS)))
        if name == "restart" and trial.ended:  # the engine takes nothing after the end
            trial.lines.append(Line("answer", "/restart", lang=trial.session.referrer_lang))
            step = trial.engine.start(trial.flow_id, trial.session.referrer_lang,
                                      answers={k: v for k, v in trial.session.answers.items()
                                               if k in trial.inputs} or None)
            trial.session = step.session
            self._show(trial, step.events)
            return trial
        return self.answer(trial_id, staff_id, Command(name, arg))  # type: ignore[arg-type]

    def end(self, trial_id: str, staff_id: int) -> None:
        with self._lock:
            trial = self._trials.get(trial_id)
            if trial is not None and trial.staff_id == staff_id:
                del self._trials[trial_id]

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._trials)

    # -- inside --------------------------------------------------------------------------
    def _expire(self) -> None:
        now = self.clock.now()
        for key in [k for k, t in self._trials.items() if now - t.touched >= self.idle]:
            del self._trials[key]

    def _given(self, trial: Trial, given: Input) -> str:
        """What the coordinator gave, as the transcript shows it (button labels)."""
        labels = {b.id: b.label for b in trial.prompt.buttons} if trial.prompt else {}
        if isinstance(given, Choice):
            return labels.get(given.value, given.value)
        if isinstance(given, Choices):
            return ", ".join(labels.get(v, v) for v in given.values) or labels.get(DONE, DONE)
        if isinstance(given, Text):  # a sensitive answer (a phone number) is not echoed
            return HIDDEN if trial.prompt is not None and trial.prompt.sensitive \
                else given.text
        if isinstance(given, Command):
            return f"/{given.name}" + (f" {given.arg}" if given.arg else "")
        return ""

    def _show(self, trial: Trial, events: Sequence[Event]) -> None:
        prompt = None
        for event in events:
            if isinstance(event, Prompt):
                prompt = event
                continue
            line = self._line(trial, event)
            if line is not None:
                trial.lines.append(line)
        if prompt is not None or trial.session.ended:
            trial.prompt = prompt
        del trial.lines[:-MAX_LINES]

    def _line(self, trial: Trial, event: Event) -> Line | None:
        if isinstance(event, Say):
            return Line("say", event.text, event.audience, event.lang)
        if isinstance(event, Hint):
            return Line("hint", event.text, lang=event.lang)
        if isinstance(event, Disclosure):
            return Line("disclosure", audience="person", lang=event.lang,
                        items=event.shared + event.on_acceptance)
        if isinstance(event, UrgentAction):
            contacts = self.directory.emergency_contacts(event.hub, event.categories)
            return Line("urgent", items=tuple(
                f"{c.category}: {c.name}, {c.phone} ({c.hours})" for c in contacts))
        if isinstance(event, ReferralRequested):
            return Line("referral", facts=(
                ("case_type", event.case_type), ("hub", event.hub or "-"),
                ("risk", event.risk or "-"),
                ("due_hours", "-" if event.due_hours is None else str(event.due_hours)),
                ("urgent", "yes" if event.urgent else "no"),
                ("consent", "+".join(event.consent) or f"override: {event.override_reason}"),
                ("services", ", ".join(event.services) or "-"),
                ("partner", event.partner or "-")))
        if isinstance(event, RiskRated):
            return Line("risk", facts=(("computed", event.computed), ("level", event.level),
                                       ("reason", event.reason or "-")))
        if isinstance(event, LanguageChanged):
            return Line("language", event.referrer_lang)
        if isinstance(event, SessionEnded):
            return Line("end", event.outcome)
        return None  # answers and consent recorded: the transcript shows what was given
