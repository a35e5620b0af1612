"""Export the directory as Open Referral HSDS (Human Services Data Specification) JSON.

Other directories and referral tools read HSDS, so a hub's service mapping can be shared
without retyping. One JSON array per HSDS table, plus a ``datapackage.json`` index:

=========================  ==================================================================
organization.json          an agency: ``id``, ``name``, ``alternate_name``, ``description``,
                           ``email``, ``website``
service.json               an agency's service: ``id``, ``organization_id``, ``name``,
                           ``description``, ``status``, ``eligibility_description`` (the
                           profiles and whether the agency is entry or funnelling point)
location.json              a hub as a physical catchment area: ``id``, ``location_type``,
                           ``name``, ``alternate_name``, ``description`` (its areas)
service_at_location.json   where a service is offered: ``id``, ``service_id``, ``location_id``
phone.json                 agency phones (``organization_id``) and hub emergency contacts
                           (``location_id``), with ``number``, ``type``, ``description``
language.json              languages an agency's services are given in: ``service_id``,
                           ``code``
=========================  ==================================================================

HSDS wants UUIDs; ours are derived (UUID 5) from the directory ids, so the same directory
always exports the same ids and a consumer can update rather than duplicate. Focal points,
deadlines and escalation are routing rules with no HSDS table; they are not exported.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from bot.directory.model import Directory, Service
from bot.directory.vocabulary import POINT_CODES

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openreferral.org/hsds/intake-directory")
TABLES = ("organization", "service", "location", "service_at_location", "phone", "language")


def hsds_id(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join((kind, *parts))))


def _others(names: dict[str, str]) -> str:
    return " / ".join(name for lang, name in names.items() if lang != "en")


def _eligibility(service: Service) -> str:
    parts = [f"{profile.replace('_', ' ')} ({POINT_CODES[point]})"
             for profile, point in service.profiles.items()]
    return "Profiles: " + ", ".join(parts) + "."


def _drop_empty(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """HSDS fields are optional unless required; an empty text says nothing, so omit it."""
    return {name: [{k: v for k, v in row.items() if v != ""} for row in rows]
            for name, rows in tables.items()}


def hsds_tables(directory: Directory) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for agency in directory.agencies.values():
        org = hsds_id("organization", agency.id)
        tables["organization"].append({
            "id": org, "name": agency.name(), "alternate_name": _others(agency.names),
            "description": f"{agency.kind.replace('_', '-')} organisation",
            "email": agency.email, "website": agency.website,
        })
        if agency.phone:
            tables["phone"].append({"id": hsds_id("phone", agency.id), "organization_id": org,
                                    "number": agency.phone, "type": "voice",
                                    "description": "referrals"})
    for hub in directory.hubs.values():
        tables["location"].append({
            "id": hsds_id("location", hub.id), "location_type": "physical",
            "name": hub.name(), "alternate_name": _others(hub.names),
            "description": "Hub (catchment area): " + (", ".join(hub.areas) or hub.name()),
        })
    for contact in directory.emergency:
        tables["phone"].append({
            "id": hsds_id("phone", "emergency", contact.hub, contact.category, contact.name),
            "location_id": hsds_id("location", contact.hub), "number": contact.phone,
            "type": "voice",
            "description": f"{contact.name}: emergency {contact.category.replace('_', ' ')}"
                           + (f", {contact.hours}" if contact.hours else ""),
        })
    for service in directory.services:
        _service(tables, directory, service)
    return _drop_empty(tables)


def _service(tables: dict[str, list[dict[str, Any]]], directory: Directory,
             service: Service) -> None:
    hubs = service.hubs or tuple(hub for hub in directory.hubs
                                 if directory.agencies[service.agency].serves(hub))
    sid = hsds_id("service", service.agency, service.service, *service.hubs)
    tables["service"].append({
        "id": sid, "organization_id": hsds_id("organization", service.agency),
        "name": service.name(), "alternate_name": _others(service.names),
        "description": f"{service.name()} by {directory.agencies[service.agency].name()}",
        "status": "active", "eligibility_description": _eligibility(service),
    })
    for hub in hubs:
        tables["service_at_location"].append({
            "id": hsds_id("service_at_location", sid, hub), "service_id": sid,
            "location_id": hsds_id("location", hub)})
    for code in directory.agencies[service.agency].languages:
        tables["language"].append({"id": hsds_id("language", sid, code), "service_id": sid,
                                   "code": code})


def write_hsds(directory: Directory, folder: Path) -> list[Path]:
    """Write the tables and ``datapackage.json`` into ``folder``; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables = hsds_tables(directory)
    for name, rows in tables.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    index = {"name": "intake-directory", "profile": "data-package",
             "resources": [{"name": name, "path": f"{name}.json", "format": "json",
                            "mediatype": "application/json", "count": len(rows)}
                           for name, rows in tables.items()]}
    path = folder / "datapackage.json"
    path.write_text(json.dumps(index, indent=2) + "\n", "utf-8")
    return [*written, path]
