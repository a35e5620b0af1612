"""The ``deadlines`` section: overrides of the SOP defaults in :mod:`bot.directory.deadlines`.

Every part is optional and a row may set one of its two numbers only; the other keeps its
default. A row whose acknowledgement would come after its response is refused::

    deadlines:
      levels:                       # every case type without its own row
        high: {acknowledge_hours: 4, respond_hours: 48}
        medium: {respond_hours: 120}
      case_types:
        child_protection:
          high: {acknowledge_hours: 1, respond_hours: 24}
      urgent: {acknowledge_hours: 1, respond_hours: 24}
      reminders_at: [0.5, 0.9]      # fractions of each window: remind at half and at 90 %
"""

from __future__ import annotations

from typing import Any

from bot.directory.deadlines import (
    DEFAULT_BY_CASE_TYPE,
    DEFAULT_LEVELS,
    DEFAULT_REMINDERS,
    DEFAULT_URGENT,
    Deadline,
    DeadlineTable,
)
from bot.directory.reader import UNKNOWN_CASE_TYPE, Reader
from bot.directory.vocabulary import CASE_TYPES, RISK_LEVELS, choices
from bot.flows.yamlsource import LocatedDict
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

PARTS = ("levels", "case_types", "urgent", "reminders_at")
ROW_FIELDS = ("acknowledge_hours", "respond_hours")
ENTRY = "deadlines"


def parse_deadlines(reader: Reader, raw: LocatedDict) -> DeadlineTable:
    if "deadlines" not in raw:
        return DeadlineTable()
    section = reader.mapping(raw["deadlines"], raw.line_of("deadlines"), "", "deadlines")
    if section is None:
        return DeadlineTable()
    reader.known_keys(section, PARTS, ENTRY)
    levels = _levels(reader, section.get("levels"), section.line_of("levels"), "levels.",
                     DEFAULT_LEVELS)
    by_case_type = {k: dict(v) for k, v in DEFAULT_BY_CASE_TYPE.items()}
    case_types = section.get("case_types", LocatedDict())
    if isinstance(case_types, LocatedDict):
        for case_type, rows in case_types.items():
            line = case_types.line_of(case_type)
            if case_type not in CASE_TYPES:
                reader.fail(line, ENTRY, f"case_types.{case_type}", Phrase(
                    UNKNOWN_CASE_TYPE, case_type=case_type, choices=choices(CASE_TYPES)))
                continue
            base = {**levels, **by_case_type.get(case_type, {})}
            by_case_type[case_type] = _levels(reader, rows, line,
                                              f"case_types.{case_type}.", base)
    else:
        reader.fail(section.line_of("case_types"), ENTRY, "case_types",
                    Phrase(N_("must be a mapping")))
    urgent = DEFAULT_URGENT
    if "urgent" in section:
        urgent = _row(reader, section["urgent"], section.line_of("urgent"), "urgent.",
                      DEFAULT_URGENT) or DEFAULT_URGENT
    return DeadlineTable(levels, by_case_type, urgent, _reminders(reader, section))


def _levels(reader: Reader, rows: Any, line: int, prefix: str,
            base: dict[str, Deadline]) -> dict[str, Deadline]:
    result = dict(base)
    if rows is None:
        return result
    if not isinstance(rows, LocatedDict):
        reader.fail(line, ENTRY, prefix.rstrip("."),
                    Phrase(N_("must map risk levels to deadlines")))
        return result
    for level, spec in rows.items():
        if level not in RISK_LEVELS:
            reader.fail(rows.line_of(level), ENTRY, prefix + level,
                        Phrase(N_("unknown risk level '%(level)s' (expected one of: "
                                  "%(choices)s)"), level=level, choices=choices(RISK_LEVELS)))
            continue
        row = _row(reader, spec, rows.line_of(level), f"{prefix}{level}.", base[level])
        if row is not None:
            result[level] = row
    return result


def _row(reader: Reader, spec: Any, line: int, prefix: str, base: Deadline) -> Deadline | None:
    if not isinstance(spec, LocatedDict) or not spec:
        reader.fail(line, ENTRY, prefix.rstrip("."),
                    Phrase(N_("must set acknowledge_hours and/or respond_hours")))
        return None
    reader.known_keys(spec, ROW_FIELDS, ENTRY, prefix)
    values = {key: reader.hours(spec, key, ENTRY, prefix) if key in spec
              else getattr(base, key) for key in ROW_FIELDS}
    acknowledge, respond = values["acknowledge_hours"], values["respond_hours"]
    if acknowledge is None or respond is None:
        return None
    if acknowledge > respond:
        reader.fail(line, ENTRY, prefix.rstrip("."), Phrase(
            N_("acknowledge_hours %(acknowledge)s comes after respond_hours %(respond)s"),
            acknowledge=f"{acknowledge:g}", respond=f"{respond:g}"))
        return None
    return Deadline(acknowledge, respond)


def _reminders(reader: Reader, section: LocatedDict) -> tuple[float, ...]:
    value = section.get("reminders_at")
    if value is None:
        return DEFAULT_REMINDERS
    fractions = value if isinstance(value, list) else [value]
    if all(isinstance(f, int | float) and not isinstance(f, bool) and 0 < f < 1
           for f in fractions) and list(fractions) == sorted(set(fractions)):
        return tuple(float(f) for f in fractions)
    reader.fail(section.line_of("reminders_at"), ENTRY, "reminders_at",
                Phrase(N_("must list increasing fractions between 0 and 1, such as "
                          "%(example)s"), example="[0.5, 0.9]"))
    return DEFAULT_REMINDERS
