"""A language reaches the person referred (their language choice, consent scripts included)
only once its catalog is marked reviewed by a named reviewer; the referrer may use a draft
and is told it is one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.engine import Choice, Command, Engine
from bot.engine.context import DRAFT_NOTE
from bot.engine.events import Hint, Say
from bot.flows.library import FlowLibrary
from bot.i18n.review import Review, write_review
from bot.i18n.texts import Texts
from tests.conftest import TODAY
from tests.engine.helpers import last_prompt, of_type, run

FLOW = """\
spec_version: 2
id: offer
revision: 1
title: Language offer
languages: [en, ku, fr]
start: person_language
nodes:
  person_language:
    type: ask
    kind: language
    collects: routing
    text: In which language will you speak with the person?
    invalid: stop
    next: agree
  agree:
    type: consent
    script: May I pass your details to a caseworker?
    scopes: [refer]
    given_by: [person]
    methods: [in_person]
    next: stop
    refused: stop
  stop:
    type: end
    outcome: info_only
    text: Done.
"""

#: The same consent without the language question: the host gives the person's language.
CONSENT_ONLY = FLOW.replace("id: offer", "id: consent_only").replace(
    "start: person_language", "start: agree").replace(
    FLOW[FLOW.index("  person_language:"):FLOW.index("  agree:")], "")

CATALOGS = {
    "ku": ("Ma ez dikarim agahiyên te bidim xebatkareke dozê?", "Erê", "Nota: pêşnûme.",
           "nplurals=2; plural=(n != 1);"),
    "fr": ("Puis-je transmettre vos coordonnées à un·e gestionnaire de cas ?", "Oui",
           "Note : brouillon.", "nplurals=2; plural=(n > 1);"),
}


def _catalogs(root: Path) -> None:
    for lang, (script, yes, note, plural) in CATALOGS.items():
        folder = root / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            f'"Plural-Forms: {plural}\\n"\n\n'
            + "".join(f'msgctxt "flow:{flow}:agree:script"\n'
                      f'msgid "May I pass your details to a caseworker?"\nmsgstr "{script}"\n\n'
                      for flow in ("offer", "consent_only")) +
            f'msgid "Yes"\nmsgstr "{yes}"\n\n'
            f'msgid "{DRAFT_NOTE}"\nmsgstr "{note}"\n', encoding="utf-8")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Engine, Path]:
    flow, alone = tmp_path / "offer.yaml", tmp_path / "consent_only.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    alone.write_text(CONSENT_ONLY, encoding="utf-8")
    locales = tmp_path / "locales"
    _catalogs(locales)
    return Engine(FlowLibrary.load([flow, alone]), Texts(locales)), locales


def _mark(locales: Path, reviewed: tuple[str, ...]) -> None:
    for lang in ("ku", "fr"):
        write_review(locales, Review(lang, "reviewed", "Rojda Aydın", date(2026, 12, 1))
                     if lang in reviewed else Review(lang))


@pytest.mark.parametrize(("reviewed", "offered"), [
    ((), ["en"]),
    (("ku",), ["en", "ku"]),
    (("fr",), ["en", "fr"]),
    (("ku", "fr"), ["en", "ku", "fr"]),
])
def test_the_person_is_offered_only_reviewed_languages(
        setup: tuple[Engine, Path], reviewed: tuple[str, ...], offered: list[str]) -> None:
    engine, locales = setup
    _mark(locales, reviewed)
    _, events = run(engine, [], flow="offer")
    assert [b.id for b in last_prompt(events).buttons] == offered
    # a draft language cannot be chosen by pressing an old button either
    for lang in ("ku", "fr"):
        session, events = run(engine, [Choice(lang)], flow="offer")
        assert (session.person_lang == lang) == (lang in reviewed)


def test_marking_a_catalog_reviewed_takes_effect_without_a_restart(
        setup: tuple[Engine, Path]) -> None:
    engine, locales = setup
    _mark(locales, ())
    assert [b.id for b in last_prompt(run(engine, [], flow="offer")[1]).buttons] == ["en"]
    _mark(locales, ("ku",))
    assert [b.id for b in last_prompt(run(engine, [], flow="offer")[1]).buttons] == ["en", "ku"]


@pytest.mark.parametrize(("reviewed", "lang", "script", "yes"), [
    ((), "en", "May I pass your details to a caseworker?", "Yes"),
    (("fr",), "en", "May I pass your details to a caseworker?", "Yes"),
    (("ku",), "ku", CATALOGS["ku"][0], "Erê"),
])
def test_a_consent_script_is_never_read_from_a_draft(
        setup: tuple[Engine, Path], reviewed: tuple[str, ...], lang: str, script: str,
        yes: str) -> None:
    """Even when the host presets the person's language (a scenario, `intake chat`)."""
    engine, locales = setup
    _mark(locales, reviewed)
    step = engine.start("consent_only", "en", person_lang="ku", today=TODAY)
    said = [e for e in of_type(step.events, Say) if isinstance(e, Say)
            and e.audience == "person"]
    assert [(e.lang, e.text) for e in said] == [(lang, script)]
    question = last_prompt(step.events)
    assert (question.audience, question.lang, question.buttons[0].label) == ("person", lang, yes)


def test_a_reviewed_language_chosen_for_the_person_reads_them_the_consent(
        setup: tuple[Engine, Path]) -> None:
    engine, locales = setup
    _mark(locales, ("ku",))
    _, events = run(engine, [Choice("ku")], flow="offer")
    said = [e for e in of_type(events, Say) if isinstance(e, Say) and e.audience == "person"]
    assert [(e.lang, e.text) for e in said] == [("ku", CATALOGS["ku"][0])]


@pytest.mark.parametrize(("reviewed", "noted"), [((), True), (("ku",), False)])
def test_the_referrer_reading_a_draft_is_told_it_is_in_review(
        setup: tuple[Engine, Path], reviewed: tuple[str, ...], noted: bool) -> None:
    engine, locales = setup
    _mark(locales, reviewed)
    _, events = run(engine, [], flow="offer", lang="ku")
    assert ("Nota: pêşnûme." in [h.text for h in of_type(events, Hint)
                                 if isinstance(h, Hint)]) is noted
    _, events = run(engine, [Command("language", "ku")], flow="offer", lang="en")
    assert ("Nota: pêşnûme." in [h.text for h in of_type(events, Hint)
                                 if isinstance(h, Hint)]) is noted


def test_the_referrer_may_switch_to_a_draft(setup: tuple[Engine, Path]) -> None:
    engine, locales = setup
    _mark(locales, ())
    session, _ = run(engine, [Command("language", "fr")], flow="offer", lang="en")
    assert session.referrer_lang == "fr"
