"""``intake flows``: check, graph and test the coordinator-written flows; publish them into
the database (what every running process serves), and list, show, compare, export, roll
back or withdraw the published revisions."""

from __future__ import annotations

import argparse
import difflib
import getpass
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import CommandError
from bot.flows.problems import FlowError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.flows.library import ExtraCheck, StoredRevision
    from bot.service.publishing import Publisher
    from storage.flowstore import SqlFlowStore


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("flows", help="check, graph and test flows",
                                 description="Check, graph and test coordinator flows.")
    sub = parser.add_subparsers(dest="flows_command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="prove flows safe before use",
                           description="Check flow files (default: the configured flows). "
                           "Every problem names file, line, node and field; exit status 1 "
                           "if any is found.")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="flow files or directories")
    check.add_argument("--no-translations", action="store_true",
                       help="skip the translation completeness check")
    check.set_defaults(handler=run_check)

    graph = sub.add_parser("graph", help="print a flow as Mermaid text",
                           description="Print the flow, includes resolved, as a Mermaid "
                           "flowchart for SOP annexes: branches labelled by their "
                           "condition, texts in --lang.")
    graph.add_argument("flow", help="flow id, for example pwsn")
    graph.add_argument("--lang", metavar="L", help="draw the texts in this language of the "
                       "flow (default: English)")
    graph.set_defaults(handler=run_graph)

    test = sub.add_parser("test", help="run golden scenarios",
                          description="Run scenario files (default: those in the "
                          "scenarios folder beside the configured flows, INTAKE_FLOWS) and "
                          "report each scenario that does not behave as expected, with "
                          "where the conversation stopped.")
    test.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="scenario files or directories")
    test.set_defaults(handler=run_test)

    publish = sub.add_parser(
        "publish", help="check flows and make them what runs",
        description="Check the flow files (default: the configured flows, INTAKE_FLOWS) "
        "together with every other published flow, translations included, and store them "
        "as published revisions in the database. A changed flow gets the next revision "
        "number, an unchanged one keeps its own, a flow including a changed flow gets a new "
        "one too. Every running process serves the publication within 5 seconds; "
        "conversations in progress finish on their revision. Nothing is stored if any "
        "problem is found (exit status 1).")
    publish.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                         help="flow files or directories")
    _who(publish)
    publish.set_defaults(handler=run_publish)

    listing = sub.add_parser(
        "list", help="the published flows and open conversations",
        description="Each flow's current revision, when and by whom it was published, how "
        "many conversations are still open on older revisions, withdrawn revisions, and "
        "whether the configured files (after a product upgrade, say) differ from what runs.")
    listing.set_defaults(handler=run_list)

    show = sub.add_parser("show", help="one published revision, readable",
                          description="A published revision's questions, options and rules "
                          "(default: the current revision), or with --source its YAML.")
    show.add_argument("flow", help="flow id, for example pwsn")
    show.add_argument("--revision", type=int, metavar="N", help="revision number")
    show.add_argument("--source", action="store_true", help="print the stored YAML instead")
    show.set_defaults(handler=run_show)

    diff = sub.add_parser("diff", help="what changed between two revisions",
                          description="Compare two published revisions of a flow question by "
                          "question: texts, options, rules and where each answer leads. "
                          "Without B, compare revision A with the configured files (what "
                          "a publish would make of them): diff, then publish.")
    diff.add_argument("flow", help="flow id, for example pwsn")
    diff.add_argument("old", type=int, metavar="A", help="the older revision")
    diff.add_argument("new", type=int, nargs="?", metavar="B",
                      help="the newer revision (default: the configured files)")
    diff.set_defaults(handler=run_diff)

    export = sub.add_parser("export", help="write the current flows to files",
                            description="Write the current revision of every flow as YAML "
                            "files into DIR (created if missing; existing files are never "
                            "overwritten), to edit and publish again.")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.set_defaults(handler=run_export)

    rollback = sub.add_parser(
        "rollback", help="publish an old revision again",
        description="Publish the text of an old revision of a flow again, as a new revision "
        "(the flows it includes stay as they are now). Checked like any publish.")
    rollback.add_argument("flow", help="flow id")
    rollback.add_argument("revision", type=int, metavar="N", help="the revision to restore")
    _who(rollback)
    rollback.set_defaults(handler=run_rollback)

    withdraw = sub.add_parser(
        "withdraw", help="stop a harmful revision",
        description="Withdraw a revision that is not the current one: conversations still on "
        "it start again on the current revision, with a message saying why.")
    withdraw.add_argument("flow", help="flow id")
    withdraw.add_argument("revision", type=int, metavar="N", help="the revision to withdraw")
    _who(withdraw)
    withdraw.set_defaults(handler=run_withdraw)


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", default="", metavar="TEXT",
                        help="why, kept with the publication")
    parser.add_argument("--by", metavar="NAME",
                        help="who publishes (default: the operating system user)")


def _by(args: argparse.Namespace) -> str:
    if args.by and args.by.strip():
        return str(args.by).strip()[:128]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def _published(settings: Settings) -> Iterator[tuple[Publisher, SqlFlowStore,
                                                    list[ExtraCheck]]]:
    """The publisher on the configured database, which must exist and be migrated, and the
    checks a publish runs there (translations in the catalogs as served)."""
    from bot.cli.common import existing_storage
    from bot.service.publishing import PublishConflict, Publisher, Refused, UnknownRevision
    from bot.wiring import flow_checks
    from storage.clock import SystemClock
    from storage.flowstore import SqlFlowStore

    storage = existing_storage(settings)
    try:
        store = SqlFlowStore(storage.context)
        yield Publisher(store, SystemClock()), store, flow_checks(settings, storage)
    except (UnknownRevision, Refused, PublishConflict) as exc:
        raise CommandError(str(exc.args[0])) from None
    finally:
        storage.close()


def _outcome(number: int | None, changed: tuple[tuple[str, int], ...],
             flows: dict[str, int]) -> None:
    if number is None:
        print("nothing changed: every flow is as published")
        return
    made = ", ".join(f"{fid} r{rev}" for fid, rev in changed)
    kept = ", ".join(f"{fid} r{rev}" for fid, rev in sorted(flows.items())
                     if (fid, rev) not in changed)
    print(f"publication {number}: {made}" + (f" (unchanged: {kept})" if kept else ""))
    print("every running process serves it within 5 seconds; conversations in progress "
          "finish on their revision")


def run_publish(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.flows.library import flow_files

    with _published(settings) as (publisher, _, checks):
        try:
            done = publisher.publish(flow_files(args.paths or settings.flows),
                                     checks, _by(args), args.note)
        except FlowError as error:
            report(error)
            print("nothing was published.", file=sys.stderr)
            return 1
    _outcome(done.number, done.changed, {f: flow.revision for f, flow in done.flows.items()})
    return 0


def run_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report

    with _published(settings) as (publisher, _, checks):
        try:
            done = publisher.rollback(args.flow, args.revision, checks,
                                      _by(args), args.note)
        except FlowError as error:
            report(error)
            print(f"revision {args.revision} of '{args.flow}' no longer passes the checks "
                  "with the flows as they are now; nothing was published.", file=sys.stderr)
            return 1
    _outcome(done.number, done.changed, {f: flow.revision for f, flow in done.flows.items()})
    return 0


def run_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    with _published(settings) as (publisher, _, _checks):
        count = publisher.withdraw(args.flow, args.revision, _by(args), args.note)
    print(f"revision {args.revision} of '{args.flow}' withdrawn; {count} open conversation"
          f"{'s' if count != 1 else ''} on it start again on the current revision, with a "
          "message, at their next step")
    return 0


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "-"


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.flows.library import flow_files

    with _published(settings) as (publisher, store, checks):
        publication = store.publication()
        if publication is None:
            print("no flows published yet: \"intake flows publish\" (or the first start of "
                  "the bot) publishes the configured flows")
            return 0
        history = {(r.flow_id, r.revision): r for r in store.history()}
        open_on = store.open_conversations()
        try:
            pending = publisher.publish(flow_files(settings.flows), checks, "",
                                        dry_run=True).changed
            problem = ""
        except FlowError as error:
            pending, problem = (), str(error.problems[0])
    rows = [("FLOW", "REVISION", "PUBLISHED", "BY", "OPEN ON OLDER", "WITHDRAWN")]
    for stored in publication.current:
        record = history[(stored.flow_id, stored.revision)]
        older = {rev: n for (fid, rev), n in open_on.items()
                 if fid == stored.flow_id and rev != stored.revision}
        withdrawn = [str(rev) for (fid, rev) in sorted(publication.withdrawn)
                     if fid == stored.flow_id]
        rows.append((stored.flow_id, str(stored.revision), _when(record.published_at),
                     record.published_by,
                     str(sum(older.values())) + (" (" + ", ".join(
                         f"r{rev}: {n}" for rev, n in sorted(older.items())) + ")"
                         if older else ""),
                     ", ".join(withdrawn) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())
    print(f"publication {publication.version}")
    if problem:
        print(f"the configured flows have problems and cannot be published: {problem} "
              "(\"intake flows check\" lists them all)")
    elif pending:
        print("the configured flows differ from what runs (a product upgrade may have "
              "changed the bundled flows): " + ", ".join(f"{fid} would become r{rev}"
                                                          for fid, rev in pending)
              + "; compare with \"intake flows diff FLOW CURRENT\", then publish")
    return 0


def _stored(publisher: Publisher, store: SqlFlowStore, flow_id: str,
            revision: int | None) -> tuple[int, StoredRevision]:
    """The stored revision asked for (default: the current one), or CommandError."""
    publisher.known(flow_id, revision)
    if revision is None:
        publication = store.publication()
        current = {s.flow_id: s.revision for s in publication.current} if publication else {}
        revision = current[flow_id]
    stored = store.stored(flow_id, revision)
    assert stored is not None
    return revision, stored


def _outline(stored: StoredRevision) -> list[str]:
    from bot.flows.library import compile_stored
    from bot.flows.outline import outline

    try:
        return outline(compile_stored(stored)[1].graph)
    except FlowError as error:
        raise CommandError(f"revision {stored.revision} of '{stored.flow_id}' no longer "
                           f"compiles: {error.problems[0]}") from None


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    with _published(settings) as (publisher, store, _checks):
        revision, stored = _stored(publisher, store, args.flow, args.revision)
        record = publisher.known(args.flow, revision)
    assert record is not None
    if args.source:
        sys.stdout.write(next(s.text for s in stored.sources if s.file == stored.root))
        return 0
    print(f"{args.flow} revision {revision}: publication {record.publication}, "
          f"{_when(record.published_at)} by {record.published_by}"
          + (f": {record.note}" if record.note else ""))
    if record.withdrawn_at is not None:
        print(f"withdrawn {_when(record.withdrawn_at)} by {record.withdrawn_by}")
    print("\n".join(_outline(stored)))
    return 0


def _configured(settings: Settings, flow_id: str) -> list[str]:
    """The outline of a flow as the configured files have it (checked, includes resolved)."""
    from bot.flows.library import FlowLibrary, flow_files
    from bot.flows.outline import outline

    try:
        library = FlowLibrary.load(flow_files(settings.flows))
    except FlowError as error:
        raise CommandError(f"the configured flows have problems: {error.problems[0]} "
                           "(\"intake flows check\" lists them all)") from None
    if flow_id not in library.flows:
        raise CommandError(f"the configured flows have no '{flow_id}' (known: "
                           f"{', '.join(sorted(library.flows))})")
    return outline(library.current(flow_id).graph)


def run_diff(args: argparse.Namespace, settings: Settings) -> int:
    with _published(settings) as (publisher, store, _checks):
        old = _stored(publisher, store, args.flow, args.old)[1]
        new = _stored(publisher, store, args.flow, args.new)[1] if args.new else None
    before = _outline(old)[1:]  # the title line names the revision
    after = (_outline(new) if new is not None else _configured(settings, args.flow))[1:]
    newer = f"r{args.new}" if args.new else "in the configured files"
    lines = list(difflib.unified_diff(before, after, f"{args.flow} r{args.old}",
                                      f"{args.flow} {newer}", n=1, lineterm=""))
    if not lines:
        print(f"{args.flow} r{args.old} and {args.flow} {newer} ask the same questions with "
              "the same options and rules")
        return 0
    print("\n".join(lines))
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    target: Path = args.directory
    with _published(settings) as (_, store, _checks):
        publication = store.publication()
    if publication is None:
        raise CommandError("no flows published yet: nothing to export")
    files = {}
    for stored in publication.current:
        text = next(s.text for s in stored.sources if s.file == stored.root)
        # The file says the revision it was published as (the database counts).
        files[stored.root] = re.sub(r"(?m)^revision:[ \t]*\d+[ \t]*$",
                                    f"revision: {stored.revision}", text, count=1)
    clashes = sorted(name for name in files if (target / name).exists())
    if clashes:
        raise CommandError(f"{target} already has {', '.join(clashes)}; nothing was written "
                           "(export into an empty folder)")
    target.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        (target / name).write_text(text, encoding="utf-8")
    print(f"{len(files)} flow{'s' if len(files) != 1 else ''} of publication "
          f"{publication.version} written to {target}")
    return 0


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.flows.library import FlowLibrary, flow_files
    from bot.i18n.completeness import flow_translation_problems

    files = flow_files(args.paths or settings.flows)
    extra = [] if args.no_translations else [
        lambda flows: flow_translation_problems(flows, settings.locales)]
    try:
        library = FlowLibrary.load(files, extra)
    except FlowError as error:
        return report(error)
    names = ", ".join(f"{f.id} r{f.revision}" for f in library.flows.values())
    print(f"{len(files)} file{'s' if len(files) != 1 else ''} checked, no problems: {names}")
    return 0


def run_graph(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import report
    from bot.flows.library import FlowLibrary
    from bot.flows.mermaid import to_mermaid

    try:
        library = FlowLibrary.load(settings.flows)
        compiled = library.current(args.flow)
    except FlowError as error:
        return report(error)
    except KeyError as exc:
        raise CommandError(f"{exc.args[0]} (known: {', '.join(sorted(library.flows))})"
                           ) from None
    languages = compiled.flow.languages
    if args.lang is not None and args.lang not in languages:
        raise CommandError(f"flow '{args.flow}' is not written in '{args.lang}' (known: "
                           f"{', '.join(languages)})")
    if args.lang is None:
        sys.stdout.write(to_mermaid(compiled.graph))
        return 0
    from bot.i18n.texts import Texts

    texts, lang = Texts(settings.locales), args.lang
    sys.stdout.write(to_mermaid(compiled.graph, lambda text: texts.flow(text, lang),
                                lambda word: texts.gettext(lang, word)))
    return 0


def run_test(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import build_engine, report
    from bot.scenarios import run_file, scenario_files, scenario_folders

    try:
        engine, directory = build_engine(settings, translations=False)
    except FlowError as error:
        return report(error)
    folders = args.paths or scenario_folders(settings.flows)
    if not folders:
        raise CommandError("no scenarios folder beside the configured flows ("
                           f"{', '.join(str(p) for p in settings.flows)}); name scenario "
                           "files or folders")
    passed = failed = 0
    for path in scenario_files(folders):
        for result in run_file(engine, path, directory):
            if result.passed:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {result.file}:{result.line} {result.name}")
            for failure in result.failures:
                print(f"     {failure}")
    print(f"scenarios: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0
