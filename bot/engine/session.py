"""The state of one conversation, serialisable to JSON and pinned to a flow revision."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Session:
    flow_id: str
    revision: int
    state: str
    referrer_lang: str
    person_lang: str
    answers: dict[str, Any] = field(default_factory=dict)
    #: Prompting states visited before the current one, for /back.
    history: tuple[str, ...] = ()
    #: How many of those states a referral sealed: their answers were sent, so /back never
    #: goes before ``history[sealed:]`` (going back across a refer node would send it again).
    sealed: int = 0
    #: What the step each of the last states of ``history`` records changed
    #: (``bot.engine.undo``): /back puts back exactly that, so an answer given again (the
    #: urgent screen after a second /urgent) gives way to the earlier one, not to nothing.
    #: Aligned to the end of ``history``: a session stored before it has none for its older
    #: states, and /back then forgets their answer as it used to.
    undo: tuple[dict[str, Any], ...] = ()
    #: Progress inside a compound node (consent steps, risk override, multi selection).
    node_state: dict[str, Any] = field(default_factory=dict)
    retries: int = 0
    #: The consent in force for the next referral: the last one recorded, or one given
    #: earlier that the path came back to (``consents``). A referral carries it as its own
    #: record when it is made, so a later consent of the same step never replaces it.
    consent: dict[str, Any] | None = None
    #: Consents granted in this conversation, by consent node: the record and what the
    #: person was shown it shares. A consent already given is not asked again when the path
    #: comes back to its node (after /urgent), as long as it shares nothing more now.
    consents: dict[str, dict[str, Any]] = field(default_factory=dict)
    risk: dict[str, Any] | None = None
    outcome: str | None = None
    #: Referrals requested so far in this conversation. A flow may go on after a refer node
    #: (an urgent referral from a screen that then returns to the intake), and the session
    #: still holds the answers that referral shared; erasing one of the referrer's last
    #: ``referred`` referrals therefore erases this conversation too (``storage.retention``).
    referred: int = 0
    #: The case codes of those referrals, in order, as the host's desk assigned them: one
    #: identification may make several referrals (an urgent note to health care, then the
    #: pathway's own), and the referrer's summary names every one. The engine never reads it.
    codes: tuple[str, ...] = ()
    #: A fingerprint of each referral requested so far (``referral.fingerprint``): the same
    #: referral reached again (the same urgent concern after a second /urgent) is not sent
    #: twice.
    sent: tuple[str, ...] = ()
    #: The channel's own bookkeeping (message ids, button step); the engine never reads it.
    host: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def can_back(self) -> bool:
        """Whether /back has a question to return to that no referral has sent yet."""
        return len(self.history) > self.sealed

    def with_(self, **changes: Any) -> Session:
        return replace(self, **changes)

    def to_json(self) -> str:
        # Shallow: the values are JSON already, and a deep copy (``asdict``) costs more
        # than the encoding on every update.
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Session:
        data = json.loads(text)
        # Stored before each referral carried its own consent: a consent given earlier and
        # not asked again waited in ``resumed`` for the next referral; it is in force now.
        resumed = data.pop("resumed", None)
        if resumed is not None:
            data["consent"] = resumed
        data["history"] = tuple(data.get("history", ()))
        data["codes"] = tuple(data.get("codes", ()))
        data["sent"] = tuple(data.get("sent", ()))
        data["undo"] = tuple(data.get("undo", ()))
        return cls(**data)
