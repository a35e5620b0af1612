"""Is every hub ready for urgent action? Gaps a well-formed directory can still have.

``intake directory check`` reports them as problems (exit status 1), each at the hub or the
contact to fix:

* a hub with no emergency contact for an urgent category (health, safety, interim_care,
  other): urgent action there would show the referrer no number for it;
* a hub whose safety contacts, taken together, do not answer around the clock: someone in
  danger at night needs an after-hours alternative.

The loader does not refuse these, so a directory still being filled in can be loaded and
tried; the check is what a coordinator runs before real use.
"""

from __future__ import annotations

from bot.directory.hours import ALWAYS, first_gap, moment_name, parse_hours
from bot.directory.model import Directory
from bot.directory.reader import DirectoryProblem
from bot.directory.vocabulary import EMERGENCY_CATEGORIES
from bot.flows.problems import Problem
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: The category whose contacts must answer around the clock, together.
AROUND_THE_CLOCK = "safety"


def coverage_problems(directory: Directory, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for hub in directory.hubs.values():
        entry = Phrase(N_("hub '%(id)s'"), id=hub.id)
        for category in EMERGENCY_CATEGORIES:
            if not directory.emergency_contacts(hub.id, (category,)):
                problems.append(DirectoryProblem(
                    file, hub.line, entry, "emergency", Phrase(
                        N_("no emergency contact for %(category)s: urgent action in this hub "
                           "would show no number for it"), category=category)))
        safety = directory.emergency_contacts(hub.id, (AROUND_THE_CLOCK,))
        if not safety:
            continue
        gap = first_gap(interval for contact in safety if contact.hours
                        for interval in parse_hours(contact.hours))
        if gap is not None:
            hours = "; ".join(contact.hours or "hours not given" for contact in safety)
            problems.append(DirectoryProblem(
                file, safety[0].line, entry, "emergency",
                Phrase(N_("no %(category)s contact answers at %(moment)s (they answer: "
                          "%(hours)s): add an after-hours alternative, for example one with "
                          "hours: %(always)s"), category=AROUND_THE_CLOCK,
                       moment=moment_name(gap), hours=hours, always=ALWAYS)))
    return sorted(problems)
