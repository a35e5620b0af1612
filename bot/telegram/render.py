"""Engine events → message specifications, in the referrer's or the person's language.

Pure: builds plain data (text and button rows with their callback data). The sender turns
them into Bot API calls. Buttons carry the conversation token and step so stale or foreign
presses are recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.directory import Directory
from bot.engine.events import Disclosure, Event, Hint, Prompt, Say, SessionEnded, UrgentAction
from bot.engine.inputs import DONE
from bot.i18n.texts import N_, Texts, isolate
from bot.telegram.callbacks import Callback, CallbackCodec

#: The reserved button value for "back" (option ids start with a letter, so never clash).
BACK = "-back"
_CATEGORY_NAMES = {"health": N_("Health care"), "safety": N_("Safety"),
                   "interim_care": N_("Overnight or interim care"), "other": N_("Other help")}


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``prompt`` marks the question that buttons belong to."""

    text: str
    rows: tuple[tuple[Button, ...], ...] = ()
    prompt: bool = False
    sensitive_reply: bool = False  # the answer that follows must be deleted after capture


@dataclass
class Renderer:
    texts: Texts
    codec: CallbackCodec
    directory: Directory
    lang: str = "en"
    token: str = ""
    seq: int = 0
    out: list[Outgoing] = field(default_factory=list)

    def _ui(self, message: str, **params: object) -> str:
        return self.texts.gettext(self.lang, message, **params)

    def _button(self, label: str, value: str) -> Button:
        return Button(label, self.codec.encode(Callback("a", self.token, self.seq, value)))

    def render(self, events: Sequence[Event]) -> list[Outgoing]:
        for event in events:
            if isinstance(event, Prompt):
                self._prompt(event)
            elif isinstance(event, Say):
                prefix = "" if event.audience == "referrer" else \
                    self._ui(N_("Read to the person:")) + "\n"
                self.out.append(Outgoing(prefix + event.text))
            elif isinstance(event, Disclosure):
                self.out.append(Outgoing(self._ui(N_("Read to the person:")) + "\n"
                                         + disclosure(self.texts, event)))
            elif isinstance(event, Hint):
                self.out.append(Outgoing(event.text))
            elif isinstance(event, UrgentAction):
                self.out.append(Outgoing(self.urgent(event)))
        return self.out

    def _prompt(self, prompt: Prompt) -> None:
        rows = []
        for button in prompt.buttons:
            label = button.label
            if prompt.kind == "multi" and button.id != DONE:
                label = ("☑ " if button.selected else "☐ ") + label
            rows.append((self._button(label, button.id),))
        if prompt.can_back:
            rows.append((self._button(self._ui(N_("◀ Back")), BACK),))
        prefix = "" if prompt.audience == "referrer" else \
            self._ui(N_("Ask the person:")) + "\n"
        self.out.append(Outgoing(prefix + prompt.text, tuple(rows), prompt=True,
                                 sensitive_reply=prompt.sensitive))

    def urgent(self, event: UrgentAction) -> str:
        lines = [self._ui(N_("Emergency contacts:"))]
        contacts = self.directory.emergency_contacts(event.hub, event.categories)
        for contact in contacts:
            lines.append(f"• {self._ui(_CATEGORY_NAMES[contact.category])}: {contact.name}, "
                         f"{isolate(contact.phone, self.lang)} ({contact.hours})")
        if not contacts:
            lines.append(self._ui(N_("No emergency contact is listed for this hub; call your "
                                     "coordinator.")))
        return "\n".join(lines)


def disclosure(texts: Texts, event: Disclosure) -> str:
    """What the referral carries, as a list in the person's language."""
    lines = [texts.gettext(event.lang, N_("If you agree, the referral will carry only:"))]
    lines += [f"• {item}" for item in event.shared]
    if event.on_acceptance:
        lines.append(texts.gettext(event.lang, N_("Only the organisation that accepts it will "
                                                  "also see:")))
        lines += [f"• {item}" for item in event.on_acceptance]
    return "\n".join(lines)


def summary(texts: Texts, lang: str, ended: SessionEnded, codes: Sequence[str]) -> str:
    """The one message that stays in the chat when an intake ends: every case code the
    conversation made (one identification may make several referrals). An urgent note sent
    before an ending without a referral (consent refused, not eligible) keeps its code, and
    the rest of the intake was not kept."""
    if codes and not ended.kept:
        return texts.gettext(lang, N_("The urgent referral sent earlier in this intake keeps "
                                      "its case code: %(codes)s. You will be told here when "
                                      "the agency answers. Nothing else was kept."),
                             codes=", ".join(codes))
    if len(codes) > 1:
        return texts.gettext(lang, N_("Referrals sent, one to each agency. Case codes: "
                                      "%(codes)s. You will be told here when each agency "
                                      "answers; keep no other notes."),
                             codes=", ".join(codes))
    if codes:
        return texts.gettext(lang, N_("Referral sent. Case code: %(code)s. You will be told "
                                      "here when the agency answers; keep no other notes."),
                             code=codes[0])
    if ended.outcome == "urgent_referred":
        return texts.gettext(lang, N_("Urgent referral recorded. Stay with the person if you "
                                      "can."))
    return texts.gettext(lang, N_("This intake is closed and nothing was kept. Send /new to "
                                  "start another."))
