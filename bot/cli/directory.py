"""``intake directory``: check the hub directory, load it into the database, import a
service mapping, export HSDS.

The directory is the file coordinators edit (format: docs/directory.md). Every command but
``load`` reads the configured directory (INTAKE_DIRECTORY, default: the bundled sample)
unless given a file; ``load`` replaces the whole directory in the database, so it is only
ever given a file by name.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bot.cli.common import CommandError
from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("directory", help="check, import into and export the hub "
                                 "directory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="directory_command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="validate a directory file and summarise it",
                           description="Validate a directory file. Every problem names file, "
                           "line and entry; exit status 1 if any is found. A valid file is "
                           "summarised, with every hub and case type that has no focal point.")
    check.add_argument("file", nargs="?", type=Path, metavar="FILE",
                       help="directory file (default: the configured directory)")
    check.set_defaults(handler=run_check)

    load = sub.add_parser(
        "load", help="check a directory file and write it into the database",
        description="Check FILE and, if it has no problems, replace the directory in the "
        "database (DATABASE_URL) with it: hubs, agencies, focal points, emergency contacts, "
        "services and deadlines, all in one transaction. The database is migrated first. "
        "A file with problems changes nothing: every problem is listed with file, line and "
        "entry, and the exit status is 1.")
    load.add_argument("file", type=Path, metavar="FILE", help="directory file to load")
    load.set_defaults(handler=run_load)

    imp = sub.add_parser(
        "import-services", help="import a service-mapping matrix (CSV)",
        description="Read a referral-pathway matrix: organisations down the first column, "
        "profiles across (Girls, Boys, Women, Men, LGBTI, Persons with disabilities, Other), "
        "an optional Hub column; a cell is '1. Service' (entry point), '2. Service' "
        "(funnelling point) or 'Service, Service' (provider). Without --into, print the "
        "services section; with --into, replace the services of the listed organisations "
        "in FILE, after checking the whole result (a bad result changes nothing).")
    imp.add_argument("csv", type=Path, metavar="CSV", help="the matrix, comma, semicolon or "
                     "tab separated, UTF-8")
    imp.add_argument("--into", type=Path, metavar="FILE",
                     help="directory file to update in place")
    imp.add_argument("--directory", type=Path, metavar="FILE",
                     help="directory whose agencies the organisations are looked up in "
                     "(default: --into, else the configured directory)")
    imp.add_argument("--service", metavar="NAME",
                     help="service meant by a cell holding only '1' or '2'")
    imp.add_argument("--hub", metavar="HUB",
                     help="hub of every row without a Hub column (default: every hub)")
    imp.set_defaults(handler=run_import)

    export = sub.add_parser("export", help="export the directory as Open Referral HSDS JSON",
                            description="Write organization.json, service.json, location.json, "
                            "service_at_location.json, phone.json, language.json and a "
                            "datapackage.json index into DIR (Open Referral HSDS field names).")
    export.add_argument("--hsds", type=Path, metavar="DIR", required=True,
                        help="folder to write the JSON files into (created if missing)")
    export.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="directory file (default: the configured directory)")
    export.set_defaults(handler=run_export)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.directory import load_directory
    from bot.directory.coverage import coverage_problems
    from bot.directory.vocabulary import CASE_TYPES
    from bot.flows.problems import FlowError

    path: Path = args.file or settings.directory
    try:
        directory = load_directory(path)
    except FlowError as error:
        return report(error)
    gaps_found = coverage_problems(directory, path.name)
    count = len(gaps_found)
    kinds = Counter(agency.kind for agency in directory.agencies.values())
    print(f"{path.name}: " + (f"{count} problem{'s' if count != 1 else ''}" if count
                              else "no problems"))
    print(f"  {len(directory.hubs)} hubs, {len(directory.agencies)} agencies ("
          + ", ".join(f"{count} {kind.replace('_', '-')}" for kind, count in sorted(kinds.items()))
          + ")")
    print(f"  {len(directory.focal_points)} focal points, {len(directory.emergency)} emergency "
          f"contacts, {len(directory.services)} services")
    gaps = [(hub, case_type) for hub in directory.hubs for case_type in CASE_TYPES
            if directory.focal_point(hub, case_type) is None]
    for hub, case_type in gaps:
        fallback = directory.coordinator(hub)
        print(f"  no focal point: {hub} × {case_type} -> "
              + (f"hub coordinator {fallback}" if fallback else "NO ROUTE (add one)"))
    table = directory.deadlines
    print("  deadlines (acknowledge / respond, hours): " + "; ".join(
        f"{level} {row.acknowledge_hours:g}/{row.respond_hours:g}"
        for level, row in table.levels.items())
        + f"; urgent {table.urgent.acknowledge_hours:g}/{table.urgent.respond_hours:g}")
    for problem in gaps_found:
        print(problem, file=sys.stderr)
    if gaps_found:
        print(f"{count} problem{'s' if count != 1 else ''} found: urgent action is not covered "
              "in every hub.", file=sys.stderr)
        return 1
    return 0


def run_load(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from bot.cli.common import report
    from bot.directory import load_directory
    from bot.directory.live import DirectoryLoadConflict
    from bot.directory.rows import directory_rows
    from bot.flows.problems import FlowError
    from storage.clock import SystemClock
    from storage.crypto import KeyConfigError
    from storage.directory import SqlDirectoryStore
    from storage.migrate import upgrade
    from storage.stores import Storage

    path: Path = args.file
    try:
        rows = directory_rows(load_directory(path))  # checked before any connection
    except FlowError as error:
        return report(error)
    try:
        storage = Storage.from_settings(settings)
    except KeyConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        upgrade(storage.engine)
        with storage.unit():  # the directory and its audit entry, or neither
            written = SqlDirectoryStore(storage.context).replace(rows)
            storage.audit.record("cli", "directory_load", None, SystemClock().now())
    except DirectoryLoadConflict as conflict:
        raise CommandError(f"{path.name}: {conflict}") from None
    except DBAPIError as exc:
        # What the checker cannot see, such as an id longer than its column on PostgreSQL.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"{path.name}: the database refused the directory ({reason}); "
              "nothing was loaded.", file=sys.stderr)
        return 1
    finally:
        storage.close()
    services = len({(r["agency_id"], r["service"], tuple(r["hubs"])) for r in rows["services"]})
    print(f"{path.name}: loaded into the database, replacing any previous directory; "
          "running processes serve it within seconds")
    print(f"  {written['hubs']} hubs, {written['agencies']} agencies, "
          f"{written['focal_points']} focal points, {written['emergency_contacts']} emergency "
          f"contacts, {services} services ({written['services']} profile rows), "
          f"{written['deadlines']} deadline rows")
    return 0


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.directory import load_directory, load_directory_text
    from bot.directory.rewrite import replace_section
    from bot.directory.servicecsv import merge_services, read_services
    from bot.directory.servicemap import render_services
    from bot.flows.problems import FlowError

    source: Path = args.directory or args.into or settings.directory
    try:
        directory = load_directory(source)
        text = args.csv.read_text(encoding="utf-8-sig")
        imported = read_services(text, args.csv.name, directory, args.service, args.hub)
        if args.into is None:
            sys.stdout.write(render_services(imported))
            return 0
        original = args.into.read_text(encoding="utf-8")
        target = load_directory_text(original, args.into.name)
        merged = merge_services(target.services, imported)
        updated = replace_section(original, args.into.name, "services", render_services(merged))
        load_directory_text(updated, args.into.name)  # the whole result must be valid
    except FlowError as error:
        return report(error)
    except OSError as exc:
        raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from None
    except UnicodeDecodeError:
        files = args.csv if args.into is None else f"{args.csv} or {args.into}"
        raise CommandError(f"{files}: not UTF-8 text") from None
    args.into.write_text(updated, encoding="utf-8")
    replaced = len(target.services) - (len(merged) - len(imported))
    organisations = len({service.agency for service in imported})
    print(f"{len(imported)} services of {organisations} organisations imported into "
          f"{args.into} ({replaced} replaced)")
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.directory import load_directory
    from bot.directory.hsds import write_hsds
    from bot.flows.problems import FlowError

    try:
        directory = load_directory(args.file or settings.directory)
    except FlowError as error:
        return report(error)
    written = write_hsds(directory, args.hsds)
    print(f"HSDS written to {args.hsds}: " + ", ".join(path.name for path in written))
    return 0
