"""A phrase is its English text for every purpose (equal, hashed, sorted and printed alike),
and ``say`` gives it, its phrase values and the pieces of a joined line in another
language, leaving plain text and English as they are."""

from __future__ import annotations

from functools import partial

import pytest

from bot.directory.reader import UNKNOWN_HUB, DirectoryProblem
from bot.i18n.phrase import Phrase, say
from bot.i18n.texts import Texts

FSI, PDI = "\u2068", "\u2069"


def said(text: str, lang: str) -> str:
    texts = Texts()
    return say(text, partial(texts.gettext, lang), lang)


def test_a_phrase_is_its_english_text() -> None:
    phrase = Phrase(UNKNOWN_HUB, hub="kilis")
    assert phrase == "unknown hub 'kilis'"
    assert hash(phrase) == hash("unknown hub 'kilis'")
    assert str(phrase) == f"{phrase}" == "unknown hub 'kilis'"
    assert sorted([Phrase("b"), "a", Phrase("c")]) == ["a", "b", "c"]
    assert (phrase.msgid, phrase.params) == (UNKNOWN_HUB, {"hub": "kilis"})


def test_a_directory_problem_prints_the_same_english_line_and_keeps_its_phrases() -> None:
    problem = DirectoryProblem("directory.yaml", 41, Phrase("hub '%(id)s'", id="kilis"),
                               "coordinator", Phrase("unknown agency '%(agency)s'",
                                                     agency="example_aid"))
    line = str(problem)
    assert line == "directory.yaml:41 hub 'kilis' coordinator: unknown agency 'example_aid'"
    assert isinstance(line, Phrase)
    assert said(line, "tr") == ("directory.yaml:41 merkez 'kilis' coordinator: "
                                "bilinmeyen kurum 'example_aid'")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "unknown hub 'kilis'"),
    ("tr", "bilinmeyen merkez 'kilis'"),
    ("fr", "hub inconnu 'kilis'"),
    ("ku", "navenda nenas 'kilis'"),
    ("ar", f"المركز الإقليمي '{FSI}kilis{PDI}' غير معروف"),
])
def test_say_translates_a_phrase_and_isolates_its_values_in_arabic(lang: str,
                                                                   expected: str) -> None:
    assert said(Phrase(UNKNOWN_HUB, hub="kilis"), lang) == expected


def test_say_translates_phrase_values_and_joined_pieces_and_keeps_plain_text() -> None:
    nested = Phrase("bad point code '%(point)s' (%(help)s)", point=7,
                    help=Phrase("1 entry point, 2 funnelling point, 0 provider"))
    assert said(nested, "fr") == ("code de point incorrect '7' (1 point d'entrée, "
                                  "2 point d'orientation, 0 prestataire)")
    joined = Phrase.joined("matrix.csv:3", " ", Phrase("column %(num)s", num=1), ": ",
                           Phrase("organisation is empty"))
    assert joined == "matrix.csv:3 column 1: organisation is empty"
    assert said(joined, "ar") == f"{FSI}matrix.csv:3{PDI} العمود {FSI}1{PDI}: اسم المنظمة فارغ"
    assert said("matrix.csv: the file is empty", "tr") == "matrix.csv: the file is empty"
    assert said(Phrase("a text no catalog has"), "tr") == "a text no catalog has"
