"""The hub directory as the console shows and replaces it.

Shown: the routing table (who receives each hub's referrals of each case type), the focal
point agencies with how many of their staff are enrolled (an agency with nobody enrolled is
flagged: its referrals would reach no one in the bot), and the emergency contacts.

Replaced: an uploaded directory file (YAML, the format of ``docs/directory.md``), or a
service-mapping matrix (CSV or an Excel workbook) merged into the current directory, goes
through the same loaders as ``intake directory load`` and ``intake directory
import-services``. A check comes first and says every problem, with line numbers; loading
checks the upload again and replaces the directory in the database in one transaction, so a
bad upload changes nothing. Every running process serves the loaded directory within a few
seconds, without a restart (``bot.directory.live``), as after ``intake directory load``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.directory.coverage import coverage_problems
from bot.directory.live import DirectoryLoadConflict
from bot.directory.loader import load_directory, load_directory_text
from bot.directory.model import Agency, Directory, EmergencyContact
from bot.directory.rows import Rows, directory_from_rows, directory_rows
from bot.directory.servicecsv import merge_services, read_service_rows, read_services
from bot.directory.spreadsheet import sheet_rows
from bot.directory.vocabulary import CASE_TYPES
from bot.flows.problems import FlowError
from bot.ports import Staff

#: An upload may be at most this large (a directory of a hundred agencies is about 60 kB).
MAX_UPLOAD_BYTES = 1_000_000
Kind = Literal["directory", "matrix"]
EXTENSIONS: dict[str, Kind] = {".yaml": "directory", ".yml": "directory", ".csv": "matrix",
                               ".xlsx": "matrix"}
Unit = Callable[[], AbstractContextManager[object]]


class DirectoryStore(Protocol):
    def counts(self) -> dict[str, int]: ...

    def rows(self) -> Rows: ...

    def replace(self, rows: Rows) -> dict[str, int]: ...


class StaffList(Protocol):
    def members(self, *, role: Any = None, agency: str | None = None,
                hub: str | None = None) -> list[Staff]: ...


class UploadRejected(ValueError):
    """An upload that cannot be loaded; ``problems`` says why, one line each, as the
    loaders word it (``file:line entry: message``)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "rejected")
        self.problems = problems


@dataclass(frozen=True)
class Route:
    """Who receives a hub's referrals of one case type: the focal point agency and its
    backup, else the hub coordinator's agency, else nobody (a gap to fix)."""

    hub: str
    case_type: str
    primary: str | None
    backup: str | None
    coordinator: str | None

    @property
    def kind(self) -> Literal["focal", "coordinator", "none"]:
        if self.primary:
            return "focal"
        return "coordinator" if self.coordinator else "none"


@dataclass(frozen=True)
class AgencyEnrolment:
    agency: Agency
    #: (hub, case type, "primary" or "backup") for every routing table cell it holds.
    roles: tuple[tuple[str, str, str], ...]
    enrolled: int

    @property
    def flagged(self) -> bool:
        """Referrals are routed to it, but nobody of it is enrolled to receive them."""
        return bool(self.roles) and self.enrolled == 0


@dataclass(frozen=True)
class Checked:
    """An upload that passed the loader: what loading it would make the directory."""

    kind: Kind
    filename: str
    directory: Directory
    #: Gaps the loader accepts but a coordinator should fix (``intake directory check``).
    warnings: tuple[str, ...]
    #: The upload's SHA-256, so the confirmation loads exactly what was checked.
    checksum: str
    #: For a matrix: services imported, organisations they belong to.
    imported: tuple[int, int] | None = None

    def summary(self) -> dict[str, int]:
        return summary(self.directory)


def summary(directory: Directory) -> dict[str, int]:
    """How many hubs, agencies, focal point assignments, emergency contacts and services."""
    return {"hubs": len(directory.hubs), "agencies": len(directory.agencies),
            "focal_points": len(directory.focal_points), "emergency": len(directory.emergency),
            "services": len(directory.services)}


def upload_kind(filename: str) -> Kind | None:
    return EXTENSIONS.get(Path(filename).suffix.lower())


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DirectoryDesk:
    def __init__(self, store: DirectoryStore, staff: StaffList, configured: Path,
                 unit: Unit) -> None:
        self.store = store
        self.staff = staff
        self.configured = configured
        self.unit = unit

    def current(self) -> Directory:
        """The directory in the database, else the configured file (as ``intake run``)."""
        if self.store.counts().get("hubs", 0) > 0:
            return directory_from_rows(self.store.rows())
        return load_directory(self.configured)

    @staticmethod
    def routes(directory: Directory, hub: str | None = None) -> list[list[Route]]:
        """The routing table, a row per hub (only ``hub``'s when given), a cell per case
        type in :data:`CASE_TYPES` order."""
        table = []
        for hub_id in directory.hubs:
            if hub is not None and hub_id != hub:
                continue
            row = []
            for case_type in CASE_TYPES:
                point = directory.focal_point(hub_id, case_type)
                row.append(Route(hub_id, case_type, point.primary if point else None,
                                 point.backup if point else None,
                                 directory.coordinator(hub_id)))
            table.append(row)
        return table

    def enrolment(self, directory: Directory, hub: str | None = None
                  ) -> list[AgencyEnrolment]:
        """Every agency the routing table names (of ``hub`` when given), with how many of
        its focal points are enrolled and active; the flagged ones first."""
        roles: dict[str, list[tuple[str, str, str]]] = {}
        for (hub_id, case_type), point in directory.focal_points.items():
            if hub is not None and hub_id != hub:
                continue
            for agency, role in ((point.primary, "primary"), (point.backup, "backup")):
                if agency:
                    roles.setdefault(agency, []).append((hub_id, case_type, role))
        for hub_id, found in directory.hubs.items():
            if found.coordinator and (hub is None or hub_id == hub):
                roles.setdefault(found.coordinator, []).append((hub_id, "", "coordinator"))
        counts: dict[str, int] = {}
        for member in self.staff.members(role="focal_point"):
            if member.agency:
                counts[member.agency] = counts.get(member.agency, 0) + 1
        listed = [AgencyEnrolment(agency, tuple(roles.get(agency.id, ())),
                                  counts.get(agency.id, 0))
                  for agency in directory.agencies.values()
                  if hub is None or agency.id in roles]
        return sorted(listed, key=lambda item: (not item.flagged, item.agency.id))

    @staticmethod
    def emergency(directory: Directory, hub: str | None = None) -> list[EmergencyContact]:
        return [c for c in directory.emergency if hub is None or c.hub == hub]

    def check(self, filename: str, data: bytes) -> Checked:
        """What loading the upload would make the directory; :class:`UploadRejected` with
        every problem otherwise. Nothing is changed."""
        name = Path(filename or "upload").name
        kind = upload_kind(name)
        if kind is None:
            raise UploadRejected([f"{name}: not a directory file or service matrix (the name "
                                  "must end in .yaml, .yml, .csv or .xlsx)"])
        if not data.strip():
            raise UploadRejected([f"{name}: the file is empty"])
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadRejected([f"{name}: {len(data):,} bytes is over the limit of "
                                  f"{MAX_UPLOAD_BYTES:,}"])
        try:
            if kind == "directory":
                directory = load_directory_text(_utf8(name, data), name)
                imported = None
            else:
                directory, imported = self._merged(name, data)
            rows = directory_rows(directory)
            directory = directory_from_rows(rows)  # what the database will give back
        except FlowError as error:
            raise UploadRejected([str(problem) for problem in error.problems]) from None
        warnings = tuple(str(problem) for problem in coverage_problems(directory, name))
        gaps = [f"{name}: no route for {route.case_type} in hub '{route.hub}' (no focal "
                "point and no hub coordinator)"
                for row in self.routes(directory) for route in row if route.kind == "none"]
        return Checked(kind, name, directory, (*warnings, *gaps), checksum(data), imported)

    def _merged(self, name: str, data: bytes) -> tuple[Directory, tuple[int, int]]:
        current = self.current()
        if name.lower().endswith(".xlsx"):
            services = read_service_rows(sheet_rows(data, name), name, current)
        else:
            services = read_services(_utf8(name, data), name, current)
        merged = merge_services(current.services, services)
        imported = (len(services), len({service.agency for service in services}))
        return replace(current, services=tuple(merged)), imported

    def load(self, filename: str, data: bytes, expected: str) -> tuple[Checked, dict[str, int]]:
        """Check the upload again and replace the directory with it, in one transaction
        (with whatever the caller records in the same unit, such as its audit entry).
        ``expected``: the checksum the coordinator confirmed; another file is refused."""
        if checksum(data) != expected:
            raise UploadRejected([f"{Path(filename).name}: the file changed since it was "
                                  "checked; check it again"])
        checked = self.check(filename, data)
        try:
            written = self.store.replace(directory_rows(checked.directory))
        except DirectoryLoadConflict as conflict:
            raise UploadRejected([f"{Path(filename).name}: {conflict}"]) from None
        return checked, written


def _utf8(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRejected([f"{name}: not UTF-8 text (byte {error.start + 1})"]) from None
