"""Load a directory file: every section read, every reference checked, all or nothing.

A bad file raises :class:`~bot.flows.problems.FlowError` carrying every problem, sorted by
line, each naming file, line and entry::

    directory.yaml:41 focal point 'kilis' legal.backup: unknown agency 'example_aid'

and nothing is returned, so a caller that keeps the previous directory keeps working.
Section formats are documented in ``docs/directory.md``.
"""

from __future__ import annotations

from pathlib import Path

from bot.directory.assignments import parse_emergency, parse_focal_points
from bot.directory.deadline_rules import parse_deadlines
from bot.directory.folding import compact
from bot.directory.model import Agency, Directory, Hub
from bot.directory.reader import BAD_LANGUAGE, UNKNOWN_AGENCY, UNKNOWN_HUB, Reader
from bot.directory.servicemap import parse_services
from bot.directory.vocabulary import AGENCY_KINDS, LANGUAGE_PATTERN, choices
from bot.flows.problems import FlowError
from bot.flows.yamlsource import LocatedDict, load_file, load_text
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

SAMPLE = Path(__file__).resolve().parent / "sample.yaml"
SECTIONS = ("version", "hubs", "agencies", "focal_points", "emergency", "services", "deadlines")
VERSIONS = (1, 2)  # version 1: hubs and emergency contacts only; still loads unchanged
HUB_FIELDS = ("names", "areas", "coordinator")
AGENCY_FIELDS = ("names", "kind", "languages", "phone", "email", "website", "hubs")


def load_directory(path: Path = SAMPLE) -> Directory:
    return parse_directory(load_file(path), path.name)


def load_directory_text(text: str, filename: str) -> Directory:
    return parse_directory(load_text(text, filename), filename)


def parse_directory(raw: LocatedDict, file: str) -> Directory:
    reader = Reader(file)
    reader.known_keys(raw, SECTIONS, "")
    version = raw.get("version", VERSIONS[-1])
    if version not in VERSIONS:
        reader.fail(raw.line_of("version"), "", "version",
                    Phrase(N_("unknown version '%(version)s' (expected one of: "
                              "%(choices)s)"), version=version,
                           choices=", ".join(map(str, VERSIONS))))
    hubs_raw = raw.get("hubs")
    if not isinstance(hubs_raw, LocatedDict) or not hubs_raw:
        reader.fail(raw.line_of("hubs"), "", "hubs", Phrase(N_("must map hub ids to hubs")))
        raise FlowError(reader.problems)
    agencies_raw = raw.get("agencies", LocatedDict())
    if not isinstance(agencies_raw, LocatedDict):
        reader.fail(raw.line_of("agencies"), "", "agencies",
                    Phrase(N_("must map agency ids to agencies")))
        agencies_raw = LocatedDict()
    # References are checked against the ids the file declares, so one broken agency
    # does not also make every focal point that names it "unknown".
    hub_ids = frozenset(hubs_raw)
    agency_ids = frozenset(agencies_raw)
    hubs = _hubs(reader, hubs_raw, agency_ids)
    agencies = _agencies(reader, agencies_raw, hub_ids)
    declared = {agency_id: agencies.get(agency_id) for agency_id in agency_ids}
    directory = Directory(
        hubs=hubs,
        emergency=parse_emergency(reader, raw, hub_ids),
        agencies=agencies,
        focal_points=parse_focal_points(reader, raw, hub_ids, declared),
        services=parse_services(reader, raw, hub_ids, agency_ids),
        deadlines=parse_deadlines(reader, raw),
    )
    if reader.problems:
        raise FlowError(reader.problems)
    return directory


def _hubs(reader: Reader, hubs_raw: LocatedDict, agency_ids: frozenset[str]) -> dict[str, Hub]:
    hubs: dict[str, Hub] = {}
    claimed: dict[str, str] = {}  # folded name or area -> the hub that claims it
    for hub_id, spec in hubs_raw.items():
        line = hubs_raw.line_of(hub_id)
        entry = Phrase(N_("hub '%(id)s'"), id=hub_id)
        if reader.ident(hub_id, line, entry, "id") is None:
            continue
        if not isinstance(spec, LocatedDict):
            reader.fail(line, entry, "", Phrase(N_("must be a mapping with names and areas")))
            continue
        reader.known_keys(spec, HUB_FIELDS, entry)
        names = reader.names(spec, entry)
        areas = reader.strings(spec, "areas", entry)
        coordinator = spec.get("coordinator")
        if coordinator is not None and coordinator not in agency_ids:
            reader.fail(spec.line_of("coordinator"), entry, "coordinator",
                        Phrase(UNKNOWN_AGENCY, agency=coordinator))
        if names is None or areas is None:
            continue
        for place in (hub_id, *names.values(), *areas):
            key = compact(place)
            owner = claimed.setdefault(key, hub_id)
            if owner != hub_id:
                where = spec.line_of("areas") if place in areas else spec.line_of("names")
                reader.fail(where, entry, "areas" if place in areas else "names",
                            Phrase(N_("'%(place)s' is already a name or area of hub "
                                      "'%(hub)s'; a place may belong to one hub only"),
                                   place=place, hub=owner))
        hubs[hub_id] = Hub(hub_id, names, areas,
                           coordinator if isinstance(coordinator, str) else None, line)
    return hubs


def _agencies(reader: Reader, agencies_raw: LocatedDict, hub_ids: frozenset[str],
              ) -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for agency_id, spec in agencies_raw.items():
        line = agencies_raw.line_of(agency_id)
        entry = Phrase(N_("agency '%(id)s'"), id=agency_id)
        if reader.ident(agency_id, line, entry, "id") is None:
            continue
        if not isinstance(spec, LocatedDict):
            reader.fail(line, entry, "", Phrase(N_("must be a mapping with names and kind")))
            continue
        reader.known_keys(spec, AGENCY_FIELDS, entry)
        names = reader.names(spec, entry)
        kind = spec.get("kind")
        if kind not in AGENCY_KINDS:
            reader.fail(spec.line_of("kind"), entry, "kind",
                        Phrase(N_("unknown kind '%(kind)s' (expected one of: %(choices)s)"),
                               kind=kind, choices=choices(AGENCY_KINDS)))
        languages = reader.strings(spec, "languages", entry)
        for lang in languages or ():
            if not LANGUAGE_PATTERN.match(lang):
                reader.fail(spec.line_of("languages"), entry, "languages",
                            Phrase(BAD_LANGUAGE, code=lang))
        hubs = reader.strings(spec, "hubs", entry)
        for hub in hubs or ():
            if hub not in hub_ids:
                reader.fail(spec.line_of("hubs"), entry, "hubs", Phrase(UNKNOWN_HUB, hub=hub))
        contact = {key: reader.text(spec, key, entry) for key in ("phone", "email", "website")}
        if names is None or languages is None or hubs is None or kind not in AGENCY_KINDS \
                or None in contact.values():
            continue
        agencies[agency_id] = Agency(agency_id, names, str(kind), languages,
                                     contact["phone"] or "", contact["email"] or "",
                                     contact["website"] or "", hubs)
    return agencies
