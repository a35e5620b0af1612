"""``intake flows``: check, graph and test the coordinator-written flows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import CommandError
from bot.flows.problems import FlowError
from bot.settings import Settings


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
                           "flowchart for SOP annexes.")
    graph.add_argument("flow", help="flow id, for example pwsn")
    graph.set_defaults(handler=run_graph)

    test = sub.add_parser("test", help="run golden scenarios",
                          description="Run scenario files (default: the bundled ones) and "
                          "report each scenario that does not behave as expected.")
    test.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="scenario files or directories")
    test.set_defaults(handler=run_test)


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
    sys.stdout.write(to_mermaid(compiled.graph))
    return 0


def run_test(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import build_engine, report
    from bot.scenarios import run_file, scenario_files

    try:
        engine, directory = build_engine(settings, translations=False)
    except FlowError as error:
        return report(error)
    passed = failed = 0
    for path in scenario_files(args.paths):
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
