"""A validated directory as plain rows for storage, and back.

``intake directory load`` puts the directory into the database; storage should not need
to know our dataclasses, and routing should not need to know the tables. So the boundary
is a dict of table name to rows of JSON-able values, one row per fact, keyed by the column
names of ``storage/models/directory.py``:

* ``hubs``: id, names, areas, coordinator
* ``agencies``: id, names, kind, languages, phone, email, website, hubs
* ``focal_points``: hub_id, case_type, primary_agency_id, backup_agency_id
* ``emergency_contacts``: hub_id, category, name, phone, hours
* ``services``: agency_id, service, names, hubs, profile, point, case_types (one row per
  profile; point is "entry", "funnelling" or "provider")
* ``deadlines``: case_type (None: every case type without its own rows), level ("high",
  "medium", "low", "unrated", or "urgent"), acknowledge_hours, respond_hours
* ``deadline_settings``: one row with reminders_at

Names are ``{language: text}`` mappings and lists stay lists: a JSON column holds them.
Loading rows back gives an equal :class:`~bot.directory.model.Directory`.
"""

from __future__ import annotations

from typing import Any

from bot.directory.deadlines import Deadline, DeadlineTable
from bot.directory.model import Agency, Directory, EmergencyContact, FocalPoint, Hub, Service
from bot.directory.vocabulary import POINT_NAMES

Rows = dict[str, list[dict[str, Any]]]
URGENT_LEVEL = "urgent"


def directory_rows(directory: Directory) -> Rows:
    rows: Rows = {
        "hubs": [{"id": h.id, "names": dict(h.names), "areas": list(h.areas),
                  "coordinator": h.coordinator} for h in directory.hubs.values()],
        "agencies": [{"id": a.id, "names": dict(a.names), "kind": a.kind,
                      "languages": list(a.languages), "phone": a.phone, "email": a.email,
                      "website": a.website, "hubs": list(a.hubs)}
                     for a in directory.agencies.values()],
        "focal_points": [{"hub_id": f.hub, "case_type": f.case_type,
                          "primary_agency_id": f.primary, "backup_agency_id": f.backup}
                         for f in directory.focal_points.values()],
        "emergency_contacts": [{"hub_id": c.hub, "category": c.category, "name": c.name,
                                "phone": c.phone, "hours": c.hours}
                               for c in directory.emergency],
        "services": [{"agency_id": s.agency, "service": s.service, "names": dict(s.names),
                      "hubs": list(s.hubs), "profile": profile, "point": POINT_NAMES[point],
                      "case_types": list(s.case_types)}
                     for s in directory.services for profile, point in s.profiles.items()],
    }
    table = directory.deadlines
    cells: list[tuple[str | None, str, Deadline]] = [
        *((None, level, row) for level, row in table.levels.items()),
        *((case_type, level, row) for case_type, levels in table.by_case_type.items()
          for level, row in levels.items()),
        (None, URGENT_LEVEL, table.urgent),
    ]
    rows["deadlines"] = [{"case_type": case_type, "level": level,
                          "acknowledge_hours": row.acknowledge_hours,
                          "respond_hours": row.respond_hours}
                         for case_type, level, row in cells]
    rows["deadline_settings"] = [{"reminders_at": list(table.reminders_at)}]
    return rows


def directory_from_rows(rows: Rows) -> Directory:
    """The inverse of :func:`directory_rows`, for storage that reads the tables back."""
    codes = {name: code for code, name in POINT_NAMES.items()}
    services: dict[tuple[str, str, tuple[str, ...]], Service] = {}
    for row in rows.get("services", []):
        key = (row["agency_id"], row["service"], tuple(row["hubs"]))
        service = services.setdefault(key, Service(key[0], key[1], {}, key[2],
                                                   dict(row["names"]),
                                                   tuple(row.get("case_types") or ())))
        service.profiles[row["profile"]] = codes[row["point"]]
    levels: dict[str, Deadline] = {}
    by_case_type: dict[str, dict[str, Deadline]] = {}
    urgent = DeadlineTable().urgent
    for row in rows.get("deadlines", []):
        cell = Deadline(float(row["acknowledge_hours"]), float(row["respond_hours"]))
        if row["level"] == URGENT_LEVEL:
            urgent = cell
        elif row["case_type"] is None:
            levels[row["level"]] = cell
        else:
            by_case_type.setdefault(row["case_type"], {})[row["level"]] = cell
    settings = rows.get("deadline_settings") or [{}]
    defaults = DeadlineTable()
    table = DeadlineTable({**defaults.levels, **levels}, by_case_type or defaults.by_case_type,
                          urgent, tuple(settings[0].get("reminders_at",
                                                        defaults.reminders_at)))
    return Directory(
        hubs={r["id"]: Hub(r["id"], dict(r["names"]), tuple(r["areas"]), r["coordinator"])
              for r in rows.get("hubs", [])},
        emergency=tuple(EmergencyContact(r["hub_id"], r["category"], r["name"], r["phone"],
                                         r["hours"]) for r in rows.get("emergency_contacts", [])),
        agencies={r["id"]: Agency(r["id"], dict(r["names"]), r["kind"], tuple(r["languages"]),
                                  r["phone"], r["email"], r["website"], tuple(r["hubs"]))
                  for r in rows.get("agencies", [])},
        focal_points={(r["hub_id"], r["case_type"]): FocalPoint(
            r["hub_id"], r["case_type"], r["primary_agency_id"], r["backup_agency_id"])
            for r in rows.get("focal_points", [])},
        services=tuple(services.values()),
        deadlines=table,
    )
