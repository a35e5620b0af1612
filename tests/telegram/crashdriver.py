"""People for the crash tests: referrers who act on what the bot did, never on a timer.

Each person follows a script of intentions (a command, a button, a typed phone number) and
takes the next step only once the last one took effect: its update id is in the update
ledger, which the intake desk writes in the transaction of the step itself. A button is
pressed on the question as stored, as the person would press it on their screen. Nothing is
ever sent twice: if an update were lost, its person would wait for ever and the test would
time out.

The script goes back once in a while (``/back``, then the same answer again): a ``/back``
handled twice goes back two questions, so a redelivered update that is not recognised by its
id shows up as a wrong or stuck intake (buttons are protected by their step number anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from bot.telegram.callbacks import Callback, CallbackCodec
from storage.stores import Storage
from tests.telegram.loopback import LoopbackBotAPI

REFERRERS = (501, 502, 503)
FOCAL = 601
PHONE = "+90 555 987 6543"
#: The PwSN health-care intake's buttons, as in ``test_two_processes``.
ANSWERS = ("pwsn", "gaziantep", "en", "older", "none", "done", "person", "in_person", "yes",
           "yes", "yes", "disability", "done", "none", "done", "mobility", "alone",
           "no_income", "done", "keep", "medical", "done", "female", "phone")
#: After these answers (indexes into ANSWERS, each a question answered in one press) the
#: person goes back and answers again.
BACK_AFTER = frozenset({0, 2, 3, 19})


def script() -> list[tuple[str, str]]:
    """One referrer's intentions: ``("text", words)`` or ``("button", value)``."""
    steps = [("text", "/new")]
    for index, answer in enumerate(ANSWERS):
        steps.append(("button", answer))
        if index in BACK_AFTER:
            steps += [("text", "/back"), ("button", answer)]
    steps.append(("text", PHONE))
    return steps


@dataclass
class Person:
    chat: int
    steps: list[tuple[str, str]]
    at: int = 0
    #: The update id of the last step sent, until it takes effect.
    waiting: int | None = None

    @property
    def done(self) -> bool:
        return self.at == len(self.steps) and self.waiting is None


@dataclass
class People:
    api: LoopbackBotAPI
    storage: Storage
    codec: CallbackCodec
    people: list[Person] = field(default_factory=list)
    #: Every update id sent, once.
    sent: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, api: LoopbackBotAPI, storage: Storage, codec: CallbackCodec) -> People:
        return cls(api, storage, codec, [Person(chat, script()) for chat in REFERRERS])

    @property
    def done(self) -> bool:
        return all(p.done for p in self.people)

    def handled(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        with self.storage.engine.connect() as db:
            return {int(n) for n in db.execute(text(
                f"SELECT update_id FROM processed_updates WHERE update_id IN "
                f"({', '.join(str(int(n)) for n in ids)})")).scalars()}

    def in_flight(self) -> list[int]:
        """Updates sent whose step has not taken effect."""
        waiting = [p.waiting for p in self.people if p.waiting is not None]
        return sorted(set(waiting) - self.handled(waiting))

    def pump(self) -> int:
        """Send the next step of everyone whose last step took effect; returns how many
        steps were seen to take effect."""
        waiting = [p.waiting for p in self.people if p.waiting is not None]
        effective = self.handled(waiting)
        seen = 0
        for person in self.people:
            if person.waiting is not None:
                if person.waiting not in effective:
                    continue
                person.waiting, seen = None, seen + 1
            if person.at < len(person.steps):
                person.waiting = self._send(person, *person.steps[person.at])
                person.at += 1
                self.sent.append(person.waiting)
        return seen

    def _send(self, person: Person, kind: str, value: str) -> int:
        if kind == "text":
            return self.api.text(person.chat, value)[0]
        session = self.storage.sessions.load(person.chat)
        host: dict[str, Any] = session.host if session else {}
        data = self.codec.encode(Callback("a", str(host.get("token", "none")),
                                          int(host.get("seq", 0)), value))
        return self.api.press(person.chat, data, int(host.get("prompt") or 1))
