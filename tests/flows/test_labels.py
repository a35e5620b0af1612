"""Cards read answers as words in the reader's language: "Age group: 18 to 59", never
"age_band: adult"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.compiled import CompiledFlow
from bot.flows.labels import answer_lines, services_label
from bot.flows.library import FlowLibrary
from bot.flows.model import Text
from bot.i18n.texts import Texts

FLOW = """
spec_version: 2
id: card
revision: 1
title: Card
languages: [en]
start: age_band
nodes:
  age_band:
    type: ask
    kind: choice
    collects: demographic
    text: Age group of the person
    shared_as: age group
    options: {adult: 18 to 59, older: 60 or older}
    invalid: stop
    next: needs
  needs:
    type: ask
    kind: multi
    collects: need
    text: What kind of help does the person need?
    options: {medical: Health care, legal: Legal help}
    invalid: stop
    next: stop
  stop:
    type: end
    outcome: cancelled
    text: Stopped.
"""


class Marked(Texts):
    """Every flow text 'translated' by marking it with the language."""

    def flow(self, text: Text, lang: str) -> str:
        return text.msgid if lang == "en" else f"[{lang}] {text.msgid}"


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> CompiledFlow:
    path: Path = tmp_path_factory.mktemp("flows") / "card.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return FlowLibrary.load([path]).current("card")


@pytest.mark.parametrize(("lang", "answers", "lines"), [
    ("en", {"age_band": "adult"}, [("Age group", "18 to 59")]),
    ("ar", {"age_band": "older"}, [("[ar] age group", "[ar] 60 or older")]),
    ("en", {"needs": ["medical", "legal"]},
     [("What kind of help does the person need", "Health care, Legal help")]),
    ("en", {"unknown": "x"}, [("unknown", "x")]),      # not in the flow: shown as it is
    ("en", {"age_band": "teen"}, [("Age group", "teen")]),
])
def test_answers_are_shown_by_their_labels(card: CompiledFlow, lang: str,
                                           answers: dict[str, object],
                                           lines: list[tuple[str, str]]) -> None:
    assert answer_lines(card, Marked(), lang, answers) == lines


def test_without_the_flow_revision_the_ids_are_shown_rather_than_nothing() -> None:
    assert answer_lines(None, Marked(), "tr", {"age_band": "adult"}) == [("age_band", "adult")]


def test_services_are_named_by_the_question_that_chose_them(card: CompiledFlow) -> None:
    assert services_label(card, Marked(), "tr", ("legal",)) == "[tr] Legal help"
    assert services_label(None, Marked(), "tr", ("legal",)) == "legal"


def test_a_card_reads_in_the_order_the_flow_asks(card: CompiledFlow) -> None:
    lines = answer_lines(card, Marked(), "en", {"needs": ["legal"], "age_band": "older"})
    assert [label for label, _ in lines] == ["Age group",
                                             "What kind of help does the person need"]


CARD_LABEL = FLOW.replace("id: card\n", "id: card_label\n").replace(
    "    shared_as: age group\n",
    "    shared_as: your age group\n    card_label: age group of the person\n")


def test_the_card_names_a_field_in_the_third_person_where_the_flow_says_so(
        tmp_path: Path) -> None:
    path = tmp_path / "card_label.yaml"
    path.write_text(CARD_LABEL, encoding="utf-8")
    flow = FlowLibrary.load([path]).current("card_label")
    assert answer_lines(flow, Marked(), "en", {"age_band": "adult"}) == [
        ("Age group of the person", "18 to 59")]
    assert answer_lines(flow, Marked(), "tr", {"age_band": "adult"}) == [
        ("[tr] age group of the person", "[tr] 18 to 59")]


def test_the_shipped_cards_never_say_you_to_the_agency(library: FlowLibrary) -> None:
    answers = {"reach": "phone", "phone": "+90 555 000 1111", "wishes": ["caseworker"]}
    labels = [label for label, _ in answer_lines(library.current("gbv"), Texts(), "en",
                                                  answers)]
    assert labels == ["The help the person would like", "How to reach the person",
                      "Phone number of the person"]
