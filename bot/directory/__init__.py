"""The hub directory coordinators edit: hubs, their areas and emergency contacts.

Loaded from YAML with the same line-keeping loader as flows; a bad file raises a
:class:`~bot.flows.problems.FlowError` naming file, line and entry, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.context import HubChoice
from bot.flows.model import URGENT_CATEGORIES
from bot.flows.problems import FlowError, Problem
from bot.flows.yamlsource import LocatedDict, LocatedList, load_file

SAMPLE = Path(__file__).resolve().parent / "sample.yaml"


@dataclass(frozen=True)
class EmergencyContact:
    hub: str
    category: str
    name: str
    phone: str
    hours: str


@dataclass(frozen=True)
class Hub:
    id: str
    names: dict[str, str]
    areas: tuple[str, ...]

    def choice(self) -> HubChoice:
        return HubChoice(self.id, self.names)


@dataclass(frozen=True)
class Directory:
    hubs: dict[str, Hub] = field(default_factory=dict)
    emergency: tuple[EmergencyContact, ...] = ()

    def hub_choices(self) -> list[HubChoice]:
        return [hub.choice() for hub in self.hubs.values()]

    def emergency_contacts(self, hub: str | None, categories: tuple[str, ...],
                           ) -> list[EmergencyContact]:
        """Contacts for the categories, of the hub if known, else of every hub."""
        return [c for c in self.emergency
                if c.category in categories and (hub is None or c.hub == hub)]


def load_directory(path: Path = SAMPLE) -> Directory:
    raw = load_file(path)
    file = path.name
    problems: list[Problem] = []
    hubs: dict[str, Hub] = {}
    hubs_raw = raw.get("hubs")
    if not isinstance(hubs_raw, LocatedDict) or not hubs_raw:
        raise FlowError([Problem(file, raw.line_of("hubs"), "", "hubs",
                                 "must map hub ids to hubs")])
    for hub_id, spec in hubs_raw.items():
        line = hubs_raw.line_of(hub_id)
        if not isinstance(spec, LocatedDict) or not isinstance(spec.get("names"), dict) \
                or "en" not in spec["names"]:
            problems.append(Problem(file, line, hub_id, "names",
                                    "a hub needs names, at least in English (en)"))
            continue
        areas = spec.get("areas", [])
        if not isinstance(areas, list):
            problems.append(Problem(file, line, hub_id, "areas", "must be a list"))
            continue
        hubs[hub_id] = Hub(hub_id, {str(k): str(v) for k, v in spec["names"].items()},
                           tuple(map(str, areas)))
    contacts = []
    entries = raw.get("emergency", [])
    if not isinstance(entries, LocatedList):
        problems.append(Problem(file, raw.line_of("emergency"), "", "emergency",
                                "must be a list"))
        entries = LocatedList()
        entries.line, entries.item_lines = raw.line, []
    for index, entry in enumerate(entries):
        line = entries.line_of(index)
        where = f"emergency[{index}]"
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) for k in ("hub", "category", "name", "phone")):
            problems.append(Problem(file, line, "", where,
                                    "needs hub, category, name and phone"))
            continue
        if entry["hub"] not in hubs_raw:
            problems.append(Problem(file, line, "", f"{where}.hub",
                                    f"unknown hub '{entry['hub']}'"))
            continue
        if entry["category"] not in URGENT_CATEGORIES:
            problems.append(Problem(file, line, "", f"{where}.category",
                                    f"unknown category '{entry['category']}' (expected one of: "
                                    f"{', '.join(URGENT_CATEGORIES)})"))
            continue
        contacts.append(EmergencyContact(entry["hub"], entry["category"], entry["name"],
                                         entry["phone"], str(entry.get("hours", ""))))
    if problems:
        raise FlowError(problems)
    return Directory(hubs, tuple(contacts))
