"""``intake i18n``: the translation round trip (extract, update, compile, check) and each
catalog's review status (``review``: draft, or reviewed by a named person)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
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
        ("check", "fail on any missing or fuzzy translation for the flows' languages; "
                   "report which catalogs are drafts (not yet offered to the person)"),
    ):
        cmd = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        cmd.add_argument("--lang", action="append", metavar="CODE",
                         help="only this language (repeatable)")
        cmd.set_defaults(handler=run, action=name)
    review = sub.add_parser(
        "review", help="mark a catalog reviewed by a named person (or a draft again)",
        description="Record the review status of LANG's catalog in locales/LANG/review.yaml. "
        "A flow offers a language to the person referred, consent scripts included, only "
        "once its catalog is reviewed; a draft serves the referrer's interface, with a note. "
        "Marking reviewed needs a complete catalog (what `intake i18n check` asks).")
    review.add_argument("lang", metavar="LANG", help="the language code, e.g. ku")
    who = review.add_mutually_exclusive_group(required=True)
    who.add_argument("--by", metavar="NAME",
                     help="the person who read the whole catalog: marks it reviewed")
    who.add_argument("--draft", action="store_true",
                     help="mark it a draft again (e.g. after machine-filled additions)")
    review.add_argument("--on", metavar="YYYY-MM-DD", type=_date,
                        help="the day of the review (default: today)")
    review.add_argument("--note", metavar="TEXT", help="a note kept with the status")
    review.set_defaults(handler=run_review)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import CommandError
    from bot.flows.library import flow_files
    from bot.i18n.completeness import catalog_problems
    from bot.i18n.extract import build_template
    from bot.i18n.review import Review, ReviewError, read_review, write_review
    from bot.i18n.texts import SOURCE_LANGUAGE, po_path

    lang: str = args.lang
    locales: Path = settings.locales
    if lang == SOURCE_LANGUAGE:
        raise CommandError(f"{lang} is the source language; it has no catalog to review")
    if not po_path(locales, lang).exists():
        known = sorted(p.name for p in locales.iterdir()
                       if po_path(locales, p.name).exists()) if locales.is_dir() else []
        raise CommandError(f"no catalog for {lang!r} at {po_path(locales, lang)} "
                           f"(catalogs: {', '.join(known) or 'none'})")
    try:
        before = read_review(locales, lang)
    except ReviewError:
        before = Review(lang)  # a broken file is replaced by what is asked now
    if args.draft:
        review = Review(lang, "draft", note=args.note or before.note)
    else:
        name = args.by.strip()
        if not name:
            raise CommandError("--by needs the reviewer's name")
        problems = catalog_problems(build_template(flow_files(settings.flows)), locales,
                                    [lang])
        if problems:
            raise CommandError(f"{lang} has {len(problems)} translation problem(s), the "
                               f"first: {problems[0]}; a reviewed catalog is complete "
                               "(`intake i18n check --lang " + lang + "` lists them)")
        review = Review(lang, "reviewed", name, args.on or date.today(), args.note)
    path = write_review(locales, review)
    print(f"{lang}: {review.describe()} (written to {path})")
    return 0


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
    from bot.i18n.review import ReviewError, read_review
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
    for lang in languages:  # information, never a failure: a draft is a normal state
        try:
            review = read_review(locales, lang)
        except ReviewError as error:
            problems.append(f"{lang}: {error}")
            continue
        if not review.reviewed:
            print(f"{lang}: draft, not offered to the person referred until a named "
                  f"reviewer marks it (intake i18n review {lang} --by NAME)")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s); run `intake i18n update`, translate, "
              "and clear the fuzzy flags", file=sys.stderr)
        return 1
    print(f"translations complete for: {', '.join(languages)}")
    return 0
