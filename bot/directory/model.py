"""The hub directory as plain, frozen values: what the loader builds and routing reads.

Nothing here reads files or knows YAML, so routing and its tests can build a directory in
a few lines of Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.directory.deadlines import DeadlineTable
from bot.engine.context import HubChoice


def _name(names: dict[str, str], lang: str, fallback: str) -> str:
    return names.get(lang) or names.get("en") or fallback


@dataclass(frozen=True)
class EmergencyContact:
    """An emergency focal point of a hub (urgent action card): who answers, when."""

    hub: str
    category: str
    name: str
    phone: str
    hours: str  # as written; its structure is read by bot.directory.hours
    line: int = field(default=0, compare=False)  # where the file lists it (0: not from a file)


@dataclass(frozen=True)
class Hub:
    """A catchment area. ``areas`` are the district names a referrer may type."""

    id: str
    names: dict[str, str]
    areas: tuple[str, ...]
    coordinator: str | None = None  # agency id: the escalation target of last resort
    line: int = field(default=0, compare=False)  # where the file lists it (0: not from a file)

    def choice(self) -> HubChoice:
        return HubChoice(self.id, self.names)

    def name(self, lang: str = "en") -> str:
        return _name(self.names, lang, self.id)


@dataclass(frozen=True)
class Agency:
    """An organisation that receives referrals; ``hubs`` empty means it did not say."""

    id: str
    names: dict[str, str]
    kind: str
    languages: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    website: str = ""
    hubs: tuple[str, ...] = ()

    def name(self, lang: str = "en") -> str:
        return _name(self.names, lang, self.id)

    def serves(self, hub: str) -> bool:
        return not self.hubs or hub in self.hubs


@dataclass(frozen=True)
class FocalPoint:
    """Who receives a hub's referrals of one case type first, and who stands in."""

    hub: str
    case_type: str
    primary: str | None
    backup: str | None = None


@dataclass(frozen=True)
class Service:
    """One row of the service mapping: an agency's service, per profile a point code."""

    agency: str
    service: str
    profiles: dict[str, int]
    hubs: tuple[str, ...] = ()  # empty: every hub the agency serves
    names: dict[str, str] = field(default_factory=dict)
    #: The case types (needs) the service answers: where a referrer is pointed for them.
    case_types: tuple[str, ...] = ()

    def name(self, lang: str = "en") -> str:
        return _name(self.names, lang, self.service.replace("_", " ").capitalize())

    @property
    def entry_point(self) -> bool:
        """Marked "1" for at least one profile: a pathway for someone begins here."""
        return 1 in self.profiles.values()


@dataclass(frozen=True)
class Directory:
    hubs: dict[str, Hub] = field(default_factory=dict)
    emergency: tuple[EmergencyContact, ...] = ()
    agencies: dict[str, Agency] = field(default_factory=dict)
    focal_points: dict[tuple[str, str], FocalPoint] = field(default_factory=dict)
    services: tuple[Service, ...] = ()
    deadlines: DeadlineTable = field(default_factory=DeadlineTable)

    def current(self) -> Directory:
        """The directory to read throughout one piece of work: this one (a directory that
        follows loads, ``bot.directory.live``, gives the one it serves at this moment)."""
        return self

    def hub_choices(self) -> list[HubChoice]:
        return [hub.choice() for hub in self.hubs.values()]

    def emergency_contacts(self, hub: str | None, categories: tuple[str, ...],
                           ) -> list[EmergencyContact]:
        """Contacts for the categories, of the hub if known, else of every hub."""
        return [c for c in self.emergency
                if c.category in categories and (hub is None or c.hub == hub)]

    def focal_point(self, hub: str, case_type: str) -> FocalPoint | None:
        return self.focal_points.get((hub, case_type))

    def coordinator(self, hub: str) -> str | None:
        found = self.hubs.get(hub)
        return found.coordinator if found else None

    def find_agency(self, key: str) -> Agency | None:
        """An agency by id or by any of its names, ignoring case: referrers type names."""
        if key in self.agencies:
            return self.agencies[key]
        folded = key.strip().casefold()
        for agency in self.agencies.values():
            if folded == agency.id or folded in (n.casefold() for n in agency.names.values()):
                return agency
        return None

    def entry_points(self, hub: str, case_types: Iterable[str]) -> list[Service]:
        """The hub's services mapped to any of ``case_types``: entry points first, then
        funnelling points, then other providers, each in the order of the file."""
        wanted = set(case_types)
        found = [s for s in self.services_in(hub) if wanted & set(s.case_types)]
        return sorted(found, key=lambda s: 0 if s.entry_point else
                      1 if 2 in s.profiles.values() else 2)

    def services_in(self, hub: str, profiles: Iterable[str] = ()) -> list[Service]:
        """Services offered in a hub, optionally only those covering one of ``profiles``."""
        wanted = set(profiles)
        found = []
        for service in self.services:
            agency = self.agencies.get(service.agency)
            in_hub = hub in service.hubs if service.hubs else (agency is None
                                                                or agency.serves(hub))
            if in_hub and (not wanted or wanted & set(service.profiles)):
                found.append(service)
        return found
