"""What every node handler needs for one step: the compiled flow, texts, hubs and today."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.engine.events import Button, Event, Hint, Prompt
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.compiled import CompiledFlow
from bot.flows.model import Branch, Text
from bot.i18n.texts import Texts


@dataclass(frozen=True)
class HubChoice:
    """A hub as offered to the referrer; names by language, English as fallback."""

    id: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.id


#: Known partner agencies a referrer may choose for (hub, case type) instead of the focal
#: point: agency ids with their names (``bot.routing.partners``); given by the host.
Partners = Callable[[str, str], Sequence[HubChoice]]


@dataclass
class Ctx:
    flow: CompiledFlow
    texts: Texts
    hubs: Sequence[HubChoice]
    today: date
    events: list[Event] = field(default_factory=list)
    partners: Partners | None = None

    def lang(self, session: Session, audience: str) -> str:
        return session.person_lang if audience == "person" else session.referrer_lang

    def t(self, session: Session, text: Text, audience: str = "referrer") -> str:
        return self.texts.flow(text, self.lang(session, audience))

    def ui(self, session: Session, message: str, **params: object) -> str:
        return self.texts.gettext(session.referrer_lang, message, **params)

    def hint(self, session: Session, message: str, **params: object) -> None:
        self.events.append(Hint(self.ui(session, message, **params), session.referrer_lang))

    def prompt(self, session: Session, text: str, kind: str, buttons: Sequence[Button] = (),
               audience: str = "referrer", sensitive: bool = False) -> None:
        self.events.append(Prompt(
            node=session.state, text=text, lang=self.lang(session, audience),
            audience="person" if audience == "person" else "referrer", kind=kind,
            buttons=tuple(buttons), sensitive=sensitive, can_back=session.can_back,
        ))

    def branch(self, branches: Sequence[Branch], answers: dict[str, Any]) -> str:
        """The edge label of the first branch whose condition holds."""
        if len(branches) == 1 and branches[0].when is None:
            return "next"
        for index, arm in enumerate(branches):
            if arm.when is None or conditions.evaluate(arm.when, answers):
                return f"next.{index}"
        raise AssertionError("a checked flow always ends its branches with a default")
