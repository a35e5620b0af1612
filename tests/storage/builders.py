"""Small builders of engine values for the storage tests."""

from __future__ import annotations

from typing import Any

from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.engine.session import Session


def request(**changes: Any) -> ReferralRequested:
    values: dict[str, Any] = dict(
        flow_id="pwsn", revision=3, case_type="medical", hub="gaziantep", risk="high",
        due_hours=48, urgent=False, consent=("refer", "share", "statistics"),
        override_reason=None, services=("medical",),
        envelope={"age_band": "older", "sex": "female", "reach": "phone"},
        contact={"phone": "+90 000 000 9999"})
    values.update(changes)
    return ReferralRequested(**values)


def consent(**changes: Any) -> ConsentRecorded:
    values: dict[str, Any] = dict(granted=("refer", "share", "statistics"), refused=(),
                                  given_by="person", method="in_person")
    values.update(changes)
    return ConsentRecorded(**values)


def session(**answers: Any) -> Session:
    return Session("pwsn", 3, "needs", "en", "ar", answers=dict(answers),
                   history=("urgent", "consent"), consent={"granted": ["refer"]})
