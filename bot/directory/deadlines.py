"""How long an agency has to acknowledge and to respond, per case type and risk level.

The defaults come from the SOPs (``shared/DOMAIN.md``); a directory may override any cell.
Response times: persons with specific needs, high risk within 48 hours, medium within
7 days, low within 2 weeks (PwSN SOPs, Lebanon 2022); children, high risk immediately
(we allow 24 hours for the receiving agency), medium within 3 days, low within a week
(CP case-management SOPs, Annex F). The SOPs set no acknowledgement time, so we choose
one short enough that a silent agency is noticed well before the response is due: high
4 hours, medium 24 hours, low 72 hours; children at high risk 1 hour. An urgent referral
must be acknowledged within 1 hour and answered within 24, whatever its level.

A referral whose risk was never rated (the GBV pathway does not rate) is "unrated" and
treated as high: not knowing is no reason to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class Deadline:
    acknowledge_hours: float
    respond_hours: float


def _table(high: tuple[float, float], medium: tuple[float, float],
           low: tuple[float, float]) -> dict[str, Deadline]:
    return {"high": Deadline(*high), "medium": Deadline(*medium), "low": Deadline(*low),
            "unrated": Deadline(*high)}


DEFAULT_LEVELS = _table(high=(4, 48), medium=(24, 7 * HOURS_PER_DAY),
                        low=(72, 14 * HOURS_PER_DAY))
DEFAULT_BY_CASE_TYPE = {
    "child_protection": _table(high=(1, 24), medium=(24, 3 * HOURS_PER_DAY),
                               low=(72, 7 * HOURS_PER_DAY)),
}
DEFAULT_URGENT = Deadline(acknowledge_hours=1, respond_hours=24)
DEFAULT_REMINDERS = (0.5, 0.9)  # fractions of a window after which the agency is reminded


def level_of(risk: str | None) -> str:
    """The table row for a risk level: unknown or absent is "unrated", "none" is "low"."""
    if risk in ("high", "medium", "low"):
        return risk
    return "low" if risk == "none" else "unrated"


@dataclass(frozen=True)
class DeadlineTable:
    levels: dict[str, Deadline] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    by_case_type: dict[str, dict[str, Deadline]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_BY_CASE_TYPE.items()})
    urgent: Deadline = DEFAULT_URGENT
    reminders_at: tuple[float, ...] = DEFAULT_REMINDERS

    def lookup(self, case_type: str, risk: str | None, urgent: bool = False) -> Deadline:
        """The deadline of a referral; urgency can only shorten it, never lengthen it."""
        level = level_of(risk)
        row = self.by_case_type.get(case_type, {}).get(level) or self.levels[level]
        if not urgent:
            return row
        return Deadline(min(row.acknowledge_hours, self.urgent.acknowledge_hours),
                        min(row.respond_hours, self.urgent.respond_hours))
