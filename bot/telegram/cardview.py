"""What a referral card and a notice say about a referral's content and clocks.

Two clocks (``bot.routing.deadlines``): the case deadline the person's risk set at
identification, which no forward restarts, and the clock of the agency that holds the
referral now (acknowledge, then respond). Cards show both; notices show the case
deadline while the case is open (not once it is closed). The envelope is shown as labels
in the reader's language (:mod:`bot.flows.labels`), never as answer or option ids.
"""

from __future__ import annotations

from datetime import datetime

from bot.flows.compiled import CompiledFlow
from bot.flows.labels import answer_lines, services_label
from bot.flows.library import FlowLibrary
from bot.i18n.texts import N_, Texts, isolate
from bot.ports import ReferralRecord

TIME = "%Y-%m-%d %H:%M"
SCOPE_NAMES = {"refer": N_("referral"), "share": N_("sharing with the receiving agency"),
               "statistics": N_("anonymous figures")}


def when(moment: datetime) -> str:
    return moment.strftime(TIME)


def flow_of(flows: FlowLibrary | None, record: ReferralRecord) -> CompiledFlow | None:
    """The flow revision the referral was made with (withdrawn or not), if it is stored."""
    if flows is None:
        return None
    try:
        return flows.revision(record.flow_id, record.flow_revision, withdrawn=True)
    except KeyError:
        return None


#: Statuses after which the case deadline is no longer shown: nothing is left to meet it.
CASE_ENDED = ("closed", "erased")


def case_deadline_line(texts: Texts, lang: str, record: ReferralRecord) -> str:
    if record.case_due_at is None:
        return texts.gettext(lang, N_("Case deadline: not recorded"))
    return texts.gettext(lang, N_("Case deadline: %(when)s UTC (set from the risk when the "
                                  "person was identified)"), when=when(record.case_due_at))


def clock_line(texts: Texts, lang: str, record: ReferralRecord) -> str | None:
    """The deadline of the agency that holds the referral now, if one runs."""
    if record.status in ("sent", "forwarded") and record.acknowledge_by:
        return texts.gettext(lang, N_("Your agency must acknowledge by %(when)s UTC"),
                             when=when(record.acknowledge_by))
    if record.status == "acknowledged" and record.respond_by:
        return texts.gettext(lang, N_("Your agency must accept, decline or forward by "
                                      "%(when)s UTC"), when=when(record.respond_by))
    return None


def content_lines(texts: Texts, lang: str, record: ReferralRecord,
                  flows: FlowLibrary | None) -> list[str]:
    """The card's clocks, services and envelope, in the reader's language."""
    flow = flow_of(flows, record)
    lines = []
    if record.via == "partner":
        lines.append(texts.gettext(lang, N_("Sent to your agency as a partner chosen by the "
                                            "referrer, instead of the hub's focal point.")))
    lines.append(case_deadline_line(texts, lang, record))
    clock = clock_line(texts, lang, record)
    if clock:
        lines.append(clock)
    if record.services:
        lines.append(texts.gettext(lang, N_("Services needed: %(list)s"),
                                   list=services_label(flow, texts, lang, record.services)))
    for label, value in answer_lines(flow, texts, lang, record.envelope or {}):
        lines.append(f"{label}: {isolate(value, lang)}")
    return lines


#: The closed list of override reasons (``bot.flows.override.REASONS``), in words.
OVERRIDE_REASONS = {
    "immediate_danger": N_("the child is in immediate danger"),
    "harm_by_caregiver": N_("the caregiver may be the one causing harm"),
    "no_safe_adult": N_("no safe adult can look after the child"),
}


def consent_line(texts: Texts, lang: str, record: ReferralRecord) -> str:
    """What the person agreed to, in words; an override says so, and who decides."""
    if record.override_reason:
        reason = OVERRIDE_REASONS.get(record.override_reason)
        return texts.gettext(lang, N_(
            "Child-safety override, without full consent (%(reason)s): consult the child "
            "protection focal point to determine the child's best interest."),
            reason=texts.gettext(lang, reason) if reason else record.override_reason)
    scopes = ", ".join(texts.gettext(lang, SCOPE_NAMES[scope]) if scope in SCOPE_NAMES
                       else scope for scope in record.consent)
    return texts.gettext(lang, N_("Consent: %(scopes)s"), scopes=scopes or texts.gettext(
        lang, N_("none (child-safety override)")))
