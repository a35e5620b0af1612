"""Is every text translated, not fuzzy, with the right plural forms and placeholders?

``pybabel compile`` happily compiles a half-translated catalog; a referrer would then meet
English in the middle of an Arabic consent script. These checks read the catalogs
themselves and fail loudly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.flows.model import Flow
from bot.flows.problems import Problem
from bot.flows.strings import flow_texts
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_, SOURCE_LANGUAGE, po_path

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def read_catalog(locales: Path, lang: str) -> Catalog | None:
    path = po_path(locales, lang)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def language_name(lang: str) -> str:
    try:
        return f"{Locale.parse(lang).english_name} ({lang})"
    except (ValueError, TypeError):
        return lang


MISSING = "missing"


def _message_problem(message: Message | None, lang: str, num_plurals: int) -> str | None:
    if message is None:
        return MISSING
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    if not all(strings):
        return MISSING
    if message.fuzzy:
        return Phrase(N_("fuzzy (the source changed; review it)"))
    if message.pluralizable and len(strings) != num_plurals:
        return Phrase(N_("has %(num)s plural forms, %(lang)s needs %(needed)s"),
                      num=len(strings), lang=lang, needed=num_plurals)
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    wanted = set(_PLACEHOLDER.findall(str(ids[-1])))
    for text in strings:
        if set(_PLACEHOLDER.findall(text or "")) != wanted:
            return Phrase(N_("placeholders differ from the source"))
    return None


def flow_translation_problems(flows: Mapping[str, Flow], locales: Path,
                              served: Callable[[str], Catalog | None] | None = None,
                              ) -> list[Problem]:
    """One problem per flow text that a declared language lacks (or has fuzzy), in the PO
    files of ``locales``, or in the catalog ``served`` gives for the language (a running
    product serves catalogs uploaded through the console over those files)."""
    problems = []
    catalogs: dict[str, Catalog | None] = {}
    for flow in flows.values():
        for lang in flow.languages:
            if lang == SOURCE_LANGUAGE:
                continue
            if lang not in catalogs:
                catalogs[lang] = served(lang) if served is not None else \
                    read_catalog(locales, lang)
            catalog = catalogs[lang]
            if catalog is None:
                problems.append(Problem(flow.file, flow.line_of("languages"), "", "languages",
                                        Phrase(N_("no catalog for %(language)s"),
                                               language=language_name(lang))))
                continue
            for node, field, text in flow_texts(flow):
                issue = _message_problem(catalog.get(text.msgid, context=text.context), lang,
                                         catalog.num_plurals)
                if issue:
                    problems.append(Problem(flow.file, text.line, node, field,
                                            Phrase(N_("%(language)s translation is %(issue)s"),
                                                   language=language_name(lang), issue=issue)
                                            if issue != MISSING else
                                            Phrase(N_("%(language)s translation is missing"),
                                                   language=language_name(lang))))
    return problems


def catalog_problems(template: Catalog, locales: Path, languages: Iterable[str]) -> list[str]:
    """Problems of whole catalogs against the template, one line each."""
    problems = []
    for lang in languages:
        if lang == SOURCE_LANGUAGE:
            continue
        catalog = read_catalog(locales, lang)
        if catalog is None:
            problems.append(f"{lang}: no catalog at {po_path(locales, lang)}")
            continue
        for message in template:
            if not message.id:
                continue
            issue = _message_problem(catalog.get(message.id, context=message.context), lang,
                                     catalog.num_plurals)
            if issue:
                ident = message.id[0] if isinstance(message.id, tuple | list) else message.id
                where = f" [{message.context}]" if message.context else ""
                problems.append(f"{lang}: {issue}: {ident!r}{where}")
    return problems
