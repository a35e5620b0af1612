"""What every node handler needs for one step: the compiled flow, texts, hubs and today."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.engine.events import Button, Event, Hint, Prompt
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.compiled import CompiledFlow
from bot.flows.model import Branch, Text
from bot.i18n.texts import N_, SOURCE_LANGUAGE, Texts

#: Said to a referrer whose interface language is a draft catalog (at the start of each
#: intake and on /language); the person's texts are never shown in a draft.
DRAFT_NOTE = N_("Note: this translation is a draft still in review; some words may be "
                "wrong. The questions for the person are shown in reviewed languages only. "
                "/language en switches to English.")


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
    #: The time of this step, as the host gives it (timezone-aware UTC): the engine has no
    #: clock; a consent completed in this step records it as its time. None: not given.
    now: datetime | None = None

    def lang(self, session: Session, audience: str) -> str:
        """The language a text is shown in. The person's texts (consent scripts included)
        are never shown in a draft catalog: an unreviewed language gives English."""
        if audience != "person":
            return session.referrer_lang
        lang = session.person_lang
        return lang if self.texts.reviewed(lang) else SOURCE_LANGUAGE

    def person_languages(self) -> list[str]:
        """The flow's languages that may be offered to the person: reviewed catalogs only."""
        return [lang for lang in self.flow.flow.languages if self.texts.reviewed(lang)]

    def t(self, session: Session, text: Text, audience: str = "referrer") -> str:
        return self.texts.flow(text, self.lang(session, audience))

    def ui(self, session: Session, message: str, **params: object) -> str:
        return self.texts.gettext(session.referrer_lang, message, **params)

    def draft_note(self, session: Session) -> None:
        """A referrer reading a draft catalog is told it is still in review."""
        if not self.texts.reviewed(session.referrer_lang):
            self.hint(session, DRAFT_NOTE)

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
