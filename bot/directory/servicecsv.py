"""Import a service-mapping matrix: organisations down, profiles across.

The shape is the referral-pathway table of the SGBV CM workshop (2017), as coordinators
already keep it in a spreadsheet::

    Organization/Institution,Girls,Boys,Women,Men,LGBTI,Persons with disabilities,Other
    Example Relief Association,1. Psychosocial,Psychosocial,,,,,
    Example Health Partners,1. Medical,1. Medical,2. Medical,2. Medical,2. Medical,,

The first column names the organisation (an agency id or any of its names); an optional
``Hub`` column limits a row to one hub. A cell is empty, or an optional point code ("1"
entry point, "2" funnelling point; none means the service is given without either role)
followed by services separated by commas. A bare "1" or "2" needs ``--service``.

Comma, semicolon and tab separated files are recognised. Every bad header or cell is
reported with its row (the file's line) and column, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import replace

from bot.directory.folding import fold
from bot.directory.model import Directory, Service
from bot.directory.reader import UNKNOWN_HUB, DirectoryProblem
from bot.directory.vocabulary import ID_PATTERN, PROFILES, choices
from bot.flows.problems import FlowError, Problem
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_
from bot.routing.hubmatch import match_hub

ALIASES = {"other specific profile": "other", "pwd": "persons_with_disabilities",
           "persons with disability": "persons_with_disabilities", "lgbtiq": "lgbti",
           "lgbtiq+": "lgbti", "lgbti+": "lgbti"}
CELL = re.compile(r"^\s*(?:([012])(?![0-9])\s*\.?)?\s*(.*?)\s*$", re.DOTALL)
#: Where in the matrix a problem is: its header row, a column by name or by number too.
HEADER = Phrase(N_("header"))
COLUMN = N_("column '%(name)s'")
COLUMN_AT = N_("column %(num)s '%(name)s'")


def _profile(header: str) -> str | None:
    folded = fold(header)
    for profile in PROFILES:
        if folded == profile.replace("_", " "):
            return profile
    return ALIASES.get(folded) or ALIASES.get(header.strip().casefold())


def _slug(label: str) -> str:
    return fold(label).replace(" ", "_")


class _Import:
    def __init__(self, file: str, directory: Directory, service: str | None,
                 hub: str | None) -> None:
        self.file, self.directory, self.default_service, self.default_hub = (
            file, directory, service, hub)
        self.problems: list[Problem] = []
        # (agency, service, hubs) -> profile -> (point, line)
        self.cells: dict[tuple[str, str, tuple[str, ...]], dict[str, tuple[int, int]]] = {}
        self.labels: dict[str, str] = {}

    def fail(self, line: int, entry: str, field: str, message: str) -> None:
        self.problems.append(DirectoryProblem(self.file, line, entry, field, message))

    def header(self, row: list[str]) -> tuple[dict[int, str], int | None]:
        profiles: dict[int, str] = {}
        hub_column = None
        for index, name in enumerate(row[1:], start=1):
            if not name.strip():
                continue
            if fold(name) == "hub":
                hub_column = index
                continue
            profile = _profile(name)
            if profile is None:
                self.fail(1, HEADER, Phrase(COLUMN_AT, num=index + 1, name=name.strip()),
                          Phrase(N_("unknown profile (expected one of: %(choices)s, or Hub)"),
                                 choices=choices(PROFILES)))
            elif profile in profiles.values():
                self.fail(1, HEADER, Phrase(COLUMN_AT, num=index + 1, name=name.strip()),
                          Phrase(N_("profile '%(profile)s' has two columns"), profile=profile))
            else:
                profiles[index] = profile
        if not profiles and not self.problems:
            self.fail(1, HEADER, "", Phrase(N_("no profile columns (expected some of: "
                                               "%(choices)s)"), choices=choices(PROFILES)))
        return profiles, hub_column

    def row(self, line: int, row: list[str], header: list[str], profiles: dict[int, str],
            hub_column: int | None) -> None:
        organisation = row[0].strip() if row else ""
        if not any(cell.strip() for cell in row[1:]):
            return  # an organisation without any service this time: nothing to import
        entry = Phrase(N_("organisation '%(name)s'"), name=organisation)
        agency = self.directory.find_agency(organisation) if organisation else None
        if agency is None:
            self.fail(line, entry, Phrase(N_("column %(num)s"), num=1), Phrase(
                N_("unknown organisation: add it to the agencies of the directory first"))
                if organisation else Phrase(N_("organisation is empty")))
            return
        hubs = self.hubs(line, entry, row, header, hub_column)
        if hubs is None:
            return
        for index, profile in profiles.items():
            cell = row[index] if index < len(row) else ""
            if cell.strip():
                self.cell(line, entry, Phrase(COLUMN, name=header[index].strip()), cell,
                          agency.id, hubs, profile)

    def hubs(self, line: int, entry: str, row: list[str], header: list[str],
             hub_column: int | None) -> tuple[str, ...] | None:
        text = row[hub_column].strip() if hub_column is not None and hub_column < len(row) \
            else (self.default_hub or "")
        if not text:
            return ()
        found = match_hub(self.directory, text)
        if found.hub is None:
            column = Phrase(COLUMN, name=header[hub_column].strip()) \
                if hub_column is not None else "--hub"
            self.fail(line, entry, column, Phrase(
                N_("unknown hub '%(hub)s' (could be: %(candidates)s)"), hub=text,
                candidates=", ".join(found.candidates)) if found.candidates
                else Phrase(UNKNOWN_HUB, hub=text))
            return None
        return (found.hub,)

    def cell(self, line: int, entry: str, column: str, cell: str, agency: str,
             hubs: tuple[str, ...], profile: str) -> None:
        match = CELL.match(cell)
        assert match is not None  # the pattern matches every text
        point = int(match.group(1)) if match.group(1) else 0
        labels = [label.strip() for label in re.split(r"[,;\n]", match.group(2))
                  if label.strip()]
        if not labels and self.default_service:
            labels = [self.default_service]
        if not labels:
            self.fail(line, entry, column, Phrase(
                N_("cell '%(cell)s' names no service; write it as '%(example)s' or give "
                   "--service"), cell=cell.strip(), example="1. Legal"))
            return
        for label in labels:
            service = _slug(label)
            if not ID_PATTERN.match(service):
                self.fail(line, entry, column, Phrase(
                    N_("bad cell '%(cell)s': expected an optional 1 (entry point) or 2 "
                       "(funnelling point), then services"), cell=cell.strip()))
                return
            self.labels.setdefault(service, label)
            points = self.cells.setdefault((agency, service, hubs), {})
            previous = points.setdefault(profile, (point, line))
            if previous[0] != point:
                self.fail(line, entry, column, Phrase(
                    N_("service '%(service)s' for %(profile)s is point %(point)s here and "
                       "%(before)s at line %(line)s"), service=service, profile=profile,
                    point=point, before=previous[0], line=previous[1]))

    def services(self) -> list[Service]:
        result = []
        for (agency, service, hubs), points in self.cells.items():
            label = self.labels[service]
            default = service.replace("_", " ").capitalize()
            names = {"en": label} if label != default else {}
            ordered = {p: points[p][0] for p in PROFILES if p in points}
            result.append(Service(agency, service, ordered, hubs, names))
        return result


def read_services(text: str, file: str, directory: Directory, service: str | None = None,
                  hub: str | None = None) -> list[Service]:
    """Parse a matrix; raises :class:`FlowError` with every problem, returns services."""
    sample = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t", key=sample.count) if sample else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    return read_service_rows(((rows.line_num, row) for row in rows), file, directory,
                             service, hub)


def read_service_rows(rows: Iterable[tuple[int, list[str]]], file: str, directory: Directory,
                      service: str | None = None, hub: str | None = None) -> list[Service]:
    """The same from rows already split into cells, each with its line (or sheet row)
    number: how a spreadsheet's matrix is read (``bot.directory.spreadsheet``)."""
    state = _Import(file, directory, service, hub)
    found = iter(rows)
    first = next(found, None)
    if first is None:
        raise FlowError([DirectoryProblem(file, 1, HEADER, "",
                                          Phrase(N_("the file is empty")))])
    header = first[1]
    profiles, hub_column = state.header(header)
    if state.problems:
        raise FlowError(state.problems)
    for line, row in found:
        state.row(line, row, header, profiles, hub_column)
    if state.problems:
        raise FlowError(state.problems)
    return state.services()


def merge_services(existing: tuple[Service, ...], imported: list[Service]) -> list[Service]:
    """The imported matrix replaces every service of the agencies it lists, keeps others.
    The matrix has no column for case types: a service already mapped keeps its own."""
    replaced = {service.agency for service in imported}
    mapped = {(s.agency, s.service): s.case_types for s in existing if s.case_types}
    kept = [replace(s, case_types=s.case_types or mapped.get((s.agency, s.service), ()))
            for s in imported]
    return [s for s in existing if s.agency not in replaced] + kept
