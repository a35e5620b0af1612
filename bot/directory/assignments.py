"""Who answers in a hub: focal points per case type, and emergency contacts.

Focal points (PWG Southeast Turkey, 2016): per hub and case type one agency is the primary
point of referral, with an optional backup who stands in when the primary is silent or
declines. A bare agency id is shorthand for a primary without backup::

    focal_points:
      gaziantep:
        protection: {primary: example_relief, backup: example_solidarity}
        legal: example_law_centre

Emergency contacts (CP SOPs, urgent action card) are listed per hub and category::

    emergency:
      - {hub: gaziantep, category: health, name: Example Health Line, phone: "+90 000", hours: 24/7}

Hours are ``24/7`` or days with times (``Mon-Fri 08:00-18:00, Sat 09:00-13:00``): structured,
so ``intake directory check`` can tell whether a safety contact has an after-hours alternative.
"""

from __future__ import annotations

from bot.directory.hours import HoursError, parse_hours
from bot.directory.model import Agency, EmergencyContact, FocalPoint
from bot.directory.reader import UNKNOWN_AGENCY, UNKNOWN_CASE_TYPE, UNKNOWN_HUB, Reader
from bot.directory.vocabulary import CASE_TYPES, EMERGENCY_CATEGORIES, choices
from bot.flows.yamlsource import LocatedDict
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

FOCAL_FIELDS = ("primary", "backup")
CONTACT_FIELDS = ("hub", "category", "name", "phone", "hours")


def parse_focal_points(reader: Reader, raw: LocatedDict, hub_ids: frozenset[str],
                       agencies: dict[str, Agency | None],
                       ) -> dict[tuple[str, str], FocalPoint]:
    """``agencies`` maps every declared id to its parsed agency (None if it was broken)."""
    result: dict[tuple[str, str], FocalPoint] = {}
    if "focal_points" not in raw:
        return result
    section = reader.mapping(raw["focal_points"], raw.line_of("focal_points"), "",
                             "focal_points")
    if section is None:
        return result
    for hub, per_type_raw in section.items():
        entry = Phrase(N_("focal point '%(hub)s'"), hub=hub)
        if hub not in hub_ids:
            reader.fail(section.line_of(hub), entry, "", Phrase(UNKNOWN_HUB, hub=hub))
            continue
        per_type = reader.mapping(per_type_raw, section.line_of(hub), entry, "")
        if per_type is None:
            continue
        for case_type, spec in per_type.items():
            line = per_type.line_of(case_type)
            if case_type not in CASE_TYPES:
                reader.fail(line, entry, case_type, Phrase(
                    UNKNOWN_CASE_TYPE, case_type=case_type, choices=choices(CASE_TYPES)))
                continue
            point = _focal_point(reader, hub, case_type, spec, line, entry, agencies)
            if point is not None:
                result[(hub, case_type)] = point
    return result


def _focal_point(reader: Reader, hub: str, case_type: str, spec: object, line: int,
                 entry: str, agencies: dict[str, Agency | None]) -> FocalPoint | None:
    if isinstance(spec, str):
        spec = LocatedDict(primary=spec)
        spec.line, spec.key_lines = line, {}
    if not isinstance(spec, LocatedDict):
        reader.fail(line, entry, case_type,
                    Phrase(N_("must be an agency id or {primary, backup}")))
        return None
    reader.known_keys(spec, FOCAL_FIELDS, entry, f"{case_type}.")
    ok = True
    for role in FOCAL_FIELDS:
        agency = spec.get(role)
        if agency is None and role == "backup":
            continue
        if not isinstance(agency, str) or agency not in agencies:
            shown = Phrase(UNKNOWN_AGENCY, agency=agency) if agency is not None \
                else Phrase(N_("is required"))
            reader.fail(spec.line_of(role), entry, f"{case_type}.{role}", shown)
            ok = False
            continue
        found = agencies[agency]
        if found is not None and not found.serves(hub):
            reader.fail(spec.line_of(role), entry, f"{case_type}.{role}",
                        Phrase(N_("agency '%(agency)s' does not serve hub '%(hub)s' (its "
                                  "hubs: %(hubs)s)"), agency=agency, hub=hub,
                               hubs=", ".join(found.hubs)))
            ok = False
    if ok and spec.get("backup") == spec["primary"]:
        reader.fail(spec.line_of("backup"), entry, f"{case_type}.backup",
                    Phrase(N_("the backup must be another agency than the primary")))
        ok = False
    return FocalPoint(hub, case_type, spec["primary"], spec.get("backup")) if ok else None


def parse_emergency(reader: Reader, raw: LocatedDict, hub_ids: frozenset[str],
                    ) -> tuple[EmergencyContact, ...]:
    if "emergency" not in raw:
        return ()
    entries = reader.items(raw["emergency"], raw.line_of("emergency"), "", "emergency")
    contacts: list[EmergencyContact] = []
    seen: dict[tuple[str, str, str], int] = {}
    if entries is None:
        return ()
    for index, spec in enumerate(entries):
        line = entries.line_of(index)
        entry = Phrase(N_("emergency contact #%(num)s"), num=index + 1)
        if not isinstance(spec, LocatedDict):
            reader.fail(line, entry, "",
                        Phrase(N_("must be a mapping with hub, category, name, phone")))
            continue
        reader.known_keys(spec, CONTACT_FIELDS, entry)
        values = {key: reader.text(spec, key, entry, required=key != "hours")
                  for key in CONTACT_FIELDS}
        hub, category, name = values["hub"], values["category"], values["name"]
        if hub is not None and hub not in hub_ids:
            reader.fail(spec.line_of("hub"), entry, "hub", Phrase(UNKNOWN_HUB, hub=hub))
            continue
        if category is not None and category not in EMERGENCY_CATEGORIES:
            reader.fail(spec.line_of("category"), entry, "category",
                        Phrase(N_("unknown category '%(category)s' (expected one of: "
                                  "%(choices)s)"), category=category,
                               choices=choices(EMERGENCY_CATEGORIES)))
            continue
        if hub is None or category is None or name is None or values["phone"] is None \
                or values["hours"] is None:
            continue
        first = seen.setdefault((hub, category, name.casefold()), line)
        if first != line:
            reader.fail(line, entry, "name",
                        Phrase(N_("duplicate contact (first at line %(line)s)"), line=first))
            continue
        if values["hours"]:
            try:
                parse_hours(values["hours"])
            except HoursError as error:
                reader.fail(spec.line_of("hours"), entry, "hours", error.args[0])
                continue
        contacts.append(EmergencyContact(hub, category, name, values["phone"],
                                         values["hours"], line))
    return tuple(contacts)
