"""Which known partner agencies a referrer may choose instead of the hub's focal point.

The PWG minutes (Southeast Turkey, 2016) asked: "Would the lead monopolize all referrals?
Could organizations keep their existing referral networks?" So at the referral step the
referrer may send to a partner agency instead of the focal point, if:

* the directory's service map lists a service of that agency for the case type in the hub
  (``services[].case_types``), so the choice stays within the mapped pathway;
* the agency has an enrolled, active focal point to receive it (``enrolled``), so a
  referral never goes to an agency where nobody reads it;
* it is not the hub's focal point for that case type (choosing it is the default anyway).

The choice is recorded with the referral (``via: partner``); a partner that does not
acknowledge in time escalates to the hub's focal point (:mod:`bot.routing.escalation`).
Pure: the caller passes whether an agency has someone enrolled.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.directory.model import Agency, Directory


def partner_agencies(directory: Directory, hub: str, case_type: str,
                     enrolled: Callable[[str], bool]) -> list[Agency]:
    """Partners for the case type in the hub, in the order of the service map."""
    point = directory.focal_point(hub, case_type)
    primary = point.primary if point else None
    found: dict[str, Agency] = {}
    for service in directory.entry_points(hub, [case_type]):
        agency = directory.agencies.get(service.agency)
        if agency is None or agency.id == primary or agency.id in found:
            continue
        if enrolled(agency.id):
            found[agency.id] = agency
    return list(found.values())


def may_receive(directory: Directory, hub: str, case_type: str, agency: str,
                enrolled: Callable[[str], bool]) -> bool:
    """Whether ``agency`` is one of the partners a referrer may choose (checked again when
    the referral is sent: the map or the staff may have changed since the question)."""
    return any(a.id == agency for a in partner_agencies(directory, hub, case_type, enrolled))
