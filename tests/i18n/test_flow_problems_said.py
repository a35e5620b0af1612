"""A flow problem prints the same English line as before (what intake flows check shows and
the tests compare) and is a phrase, so every part of it is said in the reader's language: the
word "node", the message, a nested description, and a path problem's witness and notes on
each consent, with the file, line, field and node ids kept."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from bot.flows.library import check, flow_files
from bot.flows.problems import FlowError, Problem
from bot.flows.schema import MUST_BE
from bot.i18n.phrase import Phrase, say
from bot.i18n.texts import N_, Texts
from tests.flows.test_checker_paths import TWO_CONSENTS

FSI, PDI = "\u2068", "\u2069"


def said(text: str, lang: str) -> str:
    return say(text, partial(Texts().gettext, lang), lang)


def test_a_problem_prints_its_english_line_as_a_phrase() -> None:
    problem = Problem("tiny.yaml", 20, "way", "next",
                      Phrase(N_("unknown node '%(node)s'"), node="nowhere"))
    line = str(problem)
    assert line == "tiny.yaml:20 node 'way' next: unknown node 'nowhere'"
    assert isinstance(line, Phrase)
    assert said(line, "tr") == "tiny.yaml:20 düğüm 'way' next: bilinmeyen düğüm 'nowhere'"
    assert said(line, "ar") == (f"{FSI}tiny.yaml:20{PDI} العقدة '{FSI}way{PDI}' {FSI}next{PDI}: "
                                f"العقدة '{FSI}nowhere{PDI}' غير معروفة")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "must be a mapping of node id to node"),
    ("fr", "doit être une table qui associe l'identifiant de nœud au nœud"),
    ("ku", "divê nexşeyek ji nasnameya girêkê ber bi girêkê be"),
])
def test_what_a_field_must_be_is_said_inside_the_message(lang: str, expected: str) -> None:
    message = Phrase(MUST_BE, what=Phrase(N_("a mapping of node id to node")))
    assert said(message, lang) == expected


def test_a_referral_without_consent_is_said_with_its_path_and_each_consents_note(
        tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(TWO_CONSENTS, encoding="utf-8")
    with pytest.raises(FlowError) as raised:
        check(flow_files([tmp_path / "two.yaml"]))
    [problem] = raised.value.problems
    line = str(problem)
    assert line == (
        "two.yaml:31 node 'send': a path reaches this referral without consent to refer and "
        "share (or the child-safety override): hub → figures → agree → send; consent "
        "'figures' does not require refer, share; consent 'agree' was refused on this path "
        "(a refusal must never lead to a referral)")
    assert said(line, "fr") == (
        "two.yaml:31 nœud 'send': un chemin atteint cette référence sans consentement à "
        "référer et à partager (ni la dérogation pour la sécurité de l'enfant) : hub → figures "
        "→ agree → send ; le consentement 'figures' n'exige pas refer, share ; le "
        "consentement 'agree' a été refusé sur ce chemin (un refus ne doit jamais mener à "
        "une référence)")
