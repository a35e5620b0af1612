"""A card for a referral made under the child-safety override says so, gives the reason in
words, and says who decides (CP SOPs: "consult child protection focal point to determine the
child's best interest")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.i18n.texts import Texts
from bot.ports import ReferralRecord
from bot.telegram.cardview import consent_line


def test_the_card_says_to_consult_the_child_protection_focal_point() -> None:
    fields = {name: None for name in ReferralRecord.__dataclass_fields__}
    record = ReferralRecord(**{**fields, "code": "AB12", "consent": (), "created_at":
                               datetime(2026, 11, 23, tzinfo=UTC),
                               "override_reason": "harm_by_caregiver"})
    texts = Texts()
    assert consent_line(texts, "en", record) == (
        "Child-safety override, without full consent (the caregiver may be the one causing "
        "harm): consult the child protection focal point to determine the child's best "
        "interest.")
    with_consent = replace(record, override_reason=None, consent=("refer", "share"))
    assert consent_line(texts, "en", with_consent).startswith("Consent: referral, sharing")
