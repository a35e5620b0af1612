"""``intake i18n``: the translation round trip (extract, update, compile, check)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("i18n", help="extract, update, compile and check translations",
                                 description="The translation round trip over locales/.")
    sub = parser.add_subparsers(dest="i18n_command", required=True, metavar="COMMAND")
    for name, text in (
        ("extract", "write locales/messages.pot from the code and the flows"),
        ("update", "merge the template into each language's catalog (a changed flow text "
                    "turns fuzzy with its old English shown; new texts start empty)"),
        ("compile", "compile each catalog to .mo"),
        ("check", "fail on any missing or fuzzy translation for the flows' languages"),
    ):
        cmd = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        cmd.add_argument("--lang", action="append", metavar="CODE",
                         help="only this language (repeatable)")
        cmd.set_defaults(handler=run, action=name)


def _languages(args: argparse.Namespace, settings: Settings) -> list[str]:
    from bot.flows.library import flow_files, parse_files
    from bot.i18n.texts import SOURCE_LANGUAGE

    if args.lang:
        return list(args.lang)
    flows = parse_files(flow_files(settings.flows))
    declared = {lang for flow in flows.values() for lang in flow.languages}
    return sorted(declared - {SOURCE_LANGUAGE})


def run(args: argparse.Namespace, settings: Settings) -> int:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    from bot.flows.library import flow_files
    from bot.i18n.completeness import catalog_problems, read_catalog
    from bot.i18n.extract import build_template
    from bot.i18n.merge import merge
    from bot.i18n.texts import po_path

    locales: Path = settings.locales
    template = build_template(flow_files(settings.flows))
    languages = _languages(args, settings)
    if args.action == "extract":
        locales.mkdir(parents=True, exist_ok=True)
        with (locales / "messages.pot").open("wb") as handle:
            write_po(handle, template, width=96, sort_output=False)
        print(f"{len(template)} messages written to {locales / 'messages.pot'}")
        return 0
    if args.action == "update":
        for lang in languages:
            catalog = read_catalog(locales, lang) or Catalog(locale=lang)
            merge(catalog, template)
            path = po_path(locales, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=96, ignore_obsolete=True,
                         include_previous=True)
            fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
            empty = sum(1 for m in catalog if m.id and not m.string)
            print(f"{lang}: {len(catalog)} messages, {empty} untranslated, {fuzzy} fuzzy")
        return 0
    if args.action == "compile":
        for lang in languages:
            path = po_path(locales, lang)
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            with path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            print(f"{lang}: compiled {path.with_suffix('.mo')}")
        return 0
    problems = catalog_problems(template, locales, languages)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s); run `intake i18n update`, translate, "
              "and clear the fuzzy flags", file=sys.stderr)
        return 1
    print(f"translations complete for: {', '.join(languages)}")
    return 0
