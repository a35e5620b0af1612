"""A flow written out for people: conditions in words, risk ranges, every question with its
options and where each answer leads; the graph labels branches the same way, in any language."""

from __future__ import annotations

import pytest

from bot.flows.library import FlowLibrary
from bot.flows.mermaid import to_mermaid
from bot.flows.model import AllOf, AnswerTest, AnyOf, Condition, Not
from bot.flows.outline import condition_text, outline, range_text
from bot.i18n.texts import Texts


@pytest.mark.parametrize(("condition", "expected"), [
    (AnswerTest("situation", "is", "pwsn", 1), "situation = pwsn"),
    (AnswerTest("hub", "is_not", "kilis", 1), "hub ≠ kilis"),
    (AnswerTest("age", "lt", 18, 1), "age < 18"),
    (AnswerTest("age", "gte", 60, 1), "age ≥ 60"),
    (AnswerTest("urgent", "includes", "none", 1), "urgent includes none"),
    (AnswerTest("urgent", "includes_any", ("injury", "other"), 1),
     "urgent includes any of injury, other"),
    (AnswerTest("hub", "in", ("kilis", "hatay"), 1), "hub is one of kilis, hatay"),
    (AnswerTest("phone", "answered", True, 1), "phone answered"),
    (AnswerTest("phone", "answered", False, 1), "phone not answered"),
    (AllOf((AnswerTest("a", "is", "x", 1), AnyOf((AnswerTest("b", "gt", 1, 1),
                                                   AnswerTest("c", "lte", 2, 1)), 1)), 1),
     "a = x and (b > 1 or c ≤ 2)"),
    (Not(AnswerTest("a", "is", "x", 1), 1), "not (a = x)"),
])
def test_a_condition_reads_as_words(condition: Condition, expected: str) -> None:
    assert condition_text(condition) == expected


@pytest.mark.parametrize(("low", "high", "expected"), [
    (1, None, "red ≥ 1"), (0, 0, "red = 0"), (1, 3, "red 1–3")])
def test_a_risk_range_reads_as_words(low: int, high: int | None, expected: str) -> None:
    assert range_text("red", low, high) == expected


def test_the_outline_lists_questions_options_rules_and_branches(library: FlowLibrary) -> None:
    lines = outline(library.current("intake").graph)
    assert lines[0].startswith("flow intake revision ")
    assert "situation: ask choice: Who are you helping?" in lines
    assert ("situation:   option child: A child or young person who may be at risk "
            "(the age is asked next)") in lines
    assert "situation:   no valid answer → no_answer" in lines
    assert "person_language:   if situation = pwsn → pwsn_flow/age_band" in lines
    assert "person_language:   otherwise → gbv_flow/first_response" in lines
    rules = [line for line in outline(library.current("pwsn").graph) if "  rule " in line]
    assert "rating:   rule red ≥ 1 → high" in rules


def test_the_graph_labels_branches_by_condition_in_the_language_asked(
        library: FlowLibrary) -> None:
    graph = library.current("intake").graph
    english = to_mermaid(graph)
    assert '-->|"situation = pwsn"| n_pwsn_flow_age_band' in english
    assert "next.0" not in english and '|"otherwise"|' in english
    texts = Texts()
    arabic = to_mermaid(graph, lambda text: texts.flow(text, "ar"),
                        lambda word: texts.gettext("ar", word))
    assert "Who are you helping?" not in arabic
    assert texts.flow(graph.nodes["situation"].text, "ar")[:40] in arabic  # type: ignore[attr-defined]
    assert '|"situation = pwsn"|' in arabic
