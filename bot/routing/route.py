"""Decide which agency receives a referral the engine asked for.

The order follows the PWG's focal-point model and the concerns raised about it (2016):

1. a referrer who chose a known partner agency keeps that choice (focal points must not
   monopolise referrals), recorded as ``via="partner"``;
2. else the hub's focal point for the case type;
3. else its backup; 4. else the hub coordinator.

When none applies, or the hub or consent is missing, the answer is a :class:`NoRoute` with
a sentence for the referrer and for the coordinator; the request itself is untouched, so
the caller keeps it and nothing is lost. Routing never reads more of the request than its
hub, case type and consent: the envelope and contact details are not its business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.directory.model import Directory
from bot.directory.vocabulary import CASE_TYPES
from bot.engine.events import ReferralRequested
from bot.routing.hubmatch import match_hub

Via = Literal["partner", "focal_point", "backup", "coordinator"]
CONSENT_TO_REFER = "refer"


@dataclass(frozen=True)
class Route:
    hub: str
    case_type: str
    agency: str
    via: Via
    notes: tuple[str, ...] = ()  # what the coordinator should know, never personal data


@dataclass(frozen=True)
class NoRoute:
    reason: str
    case_type: str
    hub: str | None = None
    candidates: tuple[str, ...] = ()  # hubs the referrer may have meant


def escalation_chain(directory: Directory, hub: str, case_type: str,
                     ) -> tuple[tuple[Via, str], ...]:
    """Focal point, backup, hub coordinator: whoever exists, each agency once."""
    chain: list[tuple[Via, str]] = []
    point = directory.focal_point(hub, case_type)
    candidates: list[tuple[Via, str | None]] = [
        ("focal_point", point.primary if point else None),
        ("backup", point.backup if point else None),
        ("coordinator", directory.coordinator(hub)),
    ]
    for role, agency in candidates:
        if agency and agency in directory.agencies and agency not in (a for _, a in chain):
            chain.append((role, agency))
    return tuple(chain)


def route(request: ReferralRequested, directory: Directory,
          partner_agency: str | None = None) -> Route | NoRoute:
    case_type = request.case_type
    if CONSENT_TO_REFER not in request.consent and not request.override_reason:
        return NoRoute("no consent to refer was recorded, so the referral was not sent",
                       case_type, request.hub)
    if request.override_reason:
        # The child-safety override: "consult child protection focal point to determine the
        # child's best interest" (CP SOPs). Never a partner: the hub's CP focal point decides.
        case_type, partner_agency = "child_protection", None
    found = match_hub(directory, request.hub)
    if found.hub is None:
        if found.candidates:
            return NoRoute(f"'{request.hub}' could be any of several hubs; choose one",
                           case_type, None, found.candidates)
        reason = (f"no hub matches '{request.hub}'" if request.hub
                  else "the referral names no hub")
        return NoRoute(reason, case_type)
    hub = found.hub
    notes: list[str] = []
    if found.how != "exact":
        notes.append(f"hub '{hub}' matched from the text given ({found.how})")
    if case_type not in CASE_TYPES:
        notes.append(f"case type '{case_type}' is not one the directory knows")
    if partner_agency:
        partner = directory.find_agency(partner_agency)
        if partner is not None:
            return Route(hub, case_type, partner.id, "partner", tuple(notes))
        notes.append(f"partner '{partner_agency}' is not in the directory; "
                     "sent to the hub's focal point instead")
    point = directory.focal_point(hub, case_type)
    chain = dict((role, agency) for role, agency in escalation_chain(directory, hub, case_type))
    if "focal_point" in chain:
        return Route(hub, case_type, chain["focal_point"], "focal_point", tuple(notes))
    if "backup" in chain:
        notes.append(f"hub '{hub}' has no primary focal point for {case_type}")
        return Route(hub, case_type, chain["backup"], "backup", tuple(notes))
    if "coordinator" in chain:
        notes.append(f"hub '{hub}' has no focal point for {case_type}" if point is None
                     else f"the focal points of hub '{hub}' for {case_type} are not agencies "
                          "of the directory")
        return Route(hub, case_type, chain["coordinator"], "coordinator", tuple(notes))
    return NoRoute(f"hub '{hub}' has no focal point for {case_type}, no backup and no hub "
                   "coordinator; the coordinators must add one", case_type, hub)
