"""The service mapping: which agency offers which service to which profile, and how.

Shaped like the referral-pathway table of the SGBV CM workshop (2017): per organisation and
profile, "1" marks the entry point of the pathway and "2" the funnelling point that most
organisations refer to; a service given without either role is coded 0::

    services:
      - agency: example_relief
        service: psychosocial
        names: {en: Psychosocial support}     # optional; default from the id
        hubs: [gaziantep, hatay]              # optional; default every hub it serves
        profiles: {girls: 1, women: 1, boys: 2, persons_with_disabilities: 0}
        case_types: [protection, gbv]         # optional; the needs it answers (see below)

``case_types`` map the service to the needs of the pathways: after an intake that ends
without a referral, and on /services, the referrer is shown the hub's services for the
person's case types, entry points first.
"""

from __future__ import annotations

import json

from bot.directory.model import Service
from bot.directory.reader import UNKNOWN_AGENCY, UNKNOWN_CASE_TYPE, UNKNOWN_HUB, Reader
from bot.directory.vocabulary import CASE_TYPES, POINT_CODES, PROFILES, choices
from bot.flows.yamlsource import LocatedDict
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

SERVICE_FIELDS = ("agency", "service", "names", "hubs", "profiles", "case_types")
POINTS_HELP = N_("1 entry point, 2 funnelling point, 0 provider")


def parse_services(reader: Reader, raw: LocatedDict, hub_ids: frozenset[str],
                   agency_ids: frozenset[str]) -> tuple[Service, ...]:
    if "services" not in raw:
        return ()
    entries = reader.items(raw["services"], raw.line_of("services"), "", "services")
    if entries is None:
        return ()
    services: list[tuple[Service, int]] = []
    for index, spec in enumerate(entries):
        line = entries.line_of(index)
        entry = Phrase(N_("service #%(num)s"), num=index + 1)
        if not isinstance(spec, LocatedDict):
            reader.fail(line, entry, "",
                        Phrase(N_("must be a mapping with agency, service and profiles")))
            continue
        service = _service(reader, spec, entry, hub_ids, agency_ids)
        if service is None:
            continue
        for other, first in services:
            if other.agency == service.agency and other.service == service.service and (
                    not other.hubs or not service.hubs or set(other.hubs) & set(service.hubs)):
                reader.fail(line, entry, "service", Phrase(
                    N_("duplicate service '%(service)s' of agency '%(agency)s' (first at line "
                       "%(line)s)"), service=service.service, agency=service.agency,
                    line=first))
                break
        else:
            services.append((service, line))
    return tuple(service for service, _ in services)


def _service(reader: Reader, spec: LocatedDict, entry: str, hub_ids: frozenset[str],
             agency_ids: frozenset[str]) -> Service | None:
    reader.known_keys(spec, SERVICE_FIELDS, entry)
    agency = reader.text(spec, "agency", entry, required=True)
    if agency is not None and agency not in agency_ids:
        reader.fail(spec.line_of("agency"), entry, "agency",
                    Phrase(UNKNOWN_AGENCY, agency=agency))
        agency = None
    service = spec.get("service")
    service = reader.ident(service, spec.line_of("service"), entry, "service")
    names = reader.names(spec, entry, required=False)
    hubs = reader.strings(spec, "hubs", entry)
    for hub in hubs or ():
        if hub not in hub_ids:
            reader.fail(spec.line_of("hubs"), entry, "hubs", Phrase(UNKNOWN_HUB, hub=hub))
            hubs = None
    profiles = _profiles(reader, spec, entry)
    case_types = reader.strings(spec, "case_types", entry)
    for case_type in case_types or ():
        if case_type not in CASE_TYPES:
            reader.fail(spec.line_of("case_types"), entry, "case_types", Phrase(
                UNKNOWN_CASE_TYPE, case_type=case_type, choices=choices(CASE_TYPES)))
            case_types = None
    if agency is None or service is None or names is None or hubs is None or profiles is None \
            or case_types is None:
        return None
    return Service(agency, service, profiles, hubs, names, case_types)


def _profiles(reader: Reader, spec: LocatedDict, entry: str) -> dict[str, int] | None:
    value = spec.get("profiles")
    if not isinstance(value, LocatedDict) or not value:
        reader.fail(spec.line_of("profiles"), entry, "profiles",
                    Phrase(N_("must map profiles to point codes (%(help)s)"),
                           help=Phrase(POINTS_HELP)))
        return None
    result: dict[str, int] = {}
    for profile, point in value.items():
        line = value.line_of(profile)
        if profile not in PROFILES:
            reader.fail(line, entry, f"profiles.{profile}", Phrase(
                N_("unknown profile '%(profile)s' (expected one of: %(choices)s)"),
                profile=profile, choices=choices(PROFILES)))
        elif isinstance(point, bool) or point not in POINT_CODES:
            reader.fail(line, entry, f"profiles.{profile}",
                        Phrase(N_("bad point code '%(point)s' (%(help)s)"), point=point,
                               help=Phrase(POINTS_HELP)))
        else:
            result[profile] = int(point)
    return result if len(result) == len(value) else None


def render_services(services: tuple[Service, ...] | list[Service]) -> str:
    """The ``services:`` section as YAML text, one flow-style entry per line."""
    lines = ["services:"]
    for service in services:
        parts = [f"agency: {service.agency}", f"service: {service.service}"]
        if service.names:
            parts.append("names: {" + ", ".join(
                f"{lang}: {json.dumps(name, ensure_ascii=False)}"
                for lang, name in service.names.items()) + "}")
        if service.hubs:
            parts.append(f"hubs: [{', '.join(service.hubs)}]")
        parts.append("profiles: {" + ", ".join(
            f"{profile}: {point}" for profile, point in service.profiles.items()) + "}")
        if service.case_types:
            parts.append(f"case_types: [{', '.join(service.case_types)}]")
        lines.append("  - {" + ", ".join(parts) + "}")
    if len(lines) == 1:
        lines[0] = "services: []"
    return "\n".join(lines) + "\n"
