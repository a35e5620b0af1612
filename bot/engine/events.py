"""What the engine tells its host. Events carry ids, levels and codes, never answer values,
except where the host needs them to act (a referral's envelope and contact details), and
those are marked so hosts can encrypt and never log them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias

Audience = Literal["referrer", "person"]


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Prompt:
    """A question waiting for input; hosts show ``buttons`` as a keyboard when present."""

    node: str
    text: str
    lang: str
    audience: Audience
    kind: str
    buttons: tuple[Button, ...] = ()
    sensitive: bool = False
    can_back: bool = False


@dataclass(frozen=True)
class Say:
    text: str
    lang: str
    audience: Audience


@dataclass(frozen=True)
class Hint:
    """Why the last input was not accepted; the question follows again."""

    text: str
    lang: str


@dataclass(frozen=True)
class AnswerRecorded:
    question: str
    sensitive: bool


@dataclass(frozen=True)
class ConsentRecorded:
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    given_by: str
    method: str
    override_reason: str | None = None
    #: The language the consent script and its questions were shown to the person in.
    language: str | None = None
    #: When the consent was given: the time of the step that completed it, as the host
    #: gave it (``Engine.step(now=...)``); None when the host gave none. A consent given
    #: earlier and not asked again keeps its own time, not the later referral's.
    given_at: datetime | None = None


@dataclass(frozen=True)
class RiskRated:
    computed: str
    level: str
    reason: str | None
    due_hours: int | None


@dataclass(frozen=True)
class UrgentAction:
    categories: tuple[str, ...]
    hub: str | None


@dataclass(frozen=True)
class ReferralRequested:
    flow_id: str
    revision: int
    case_type: str
    hub: str | None
    risk: str | None
    due_hours: int | None
    urgent: bool
    consent: tuple[str, ...]
    override_reason: str | None
    services: tuple[str, ...]
    envelope: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)  # sensitive: encrypt, never log
    #: A known partner agency the referrer chose instead of the hub's focal point.
    partner: str | None = None
    #: The consent this very referral is made under, as recorded at its consent node (or
    #: that node's earlier record, not asked again): hosts store exactly this one with the
    #: referral, never another consent of the same step. ``consent`` and
    #: ``override_reason`` above are its granted scopes and override reason.
    consent_record: ConsentRecorded | None = None

    def __post_init__(self) -> None:
        record = self.consent_record
        if record is not None and (self.consent != record.granted
                                   or self.override_reason != record.override_reason):
            raise ValueError("a referral's consent scopes and override reason must be those "
                             "of its own consent record")


@dataclass(frozen=True)
class Disclosure:
    """Shown to the person right after a consent script: what the referral(s) after it will
    carry, as labels in the person's language (computed from the flow, so the script can
    never promise less than is sent). ``on_acceptance`` only reaches the agency that accepts.
    """

    shared: tuple[str, ...]
    on_acceptance: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class LanguageChanged:
    referrer_lang: str


@dataclass(frozen=True)
class SessionEnded:
    outcome: str
    kept: bool
    reason: str = ""


Event: TypeAlias = (
    Prompt | Say | Hint | AnswerRecorded | ConsentRecorded | RiskRated | UrgentAction
    | ReferralRequested | LanguageChanged | SessionEnded | Disclosure
)


def describe(event: Event) -> dict[str, Any]:
    """A loggable summary: the event's name and fields, minus texts and personal data."""
    data = asdict(event)
    for secret in ("text", "buttons", "envelope", "contact"):
        data.pop(secret, None)
    return {"event": type(event).__name__, **data}
