"""An intake that ends without a referral still knows its needs as case types: those the
answers chose, or every case type its pathway can still refer to on the branches the
answers leave open."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.compiled import CompiledFlow
from bot.flows.library import FlowLibrary
from bot.flows.needs import pathway_case_types

ENTRY = """
spec_version: 2
id: entry
revision: 1
title: Entry
languages: [en]
start: situation
nodes:
  situation:
    type: ask
    kind: choice
    collects: routing
    text: Who?
    options: {adult: An adult}
    invalid: stop
    next: hub
  hub:
    type: ask
    kind: hub
    collects: routing
    text: Which hub?
    invalid: stop
    next: adult
  adult:
    type: include
    flow: adult
  stop:
    type: end
    outcome: cancelled
    text: Stopped.
"""
ADULT = """
spec_version: 2
id: adult
revision: 1
title: Adult
kind: subflow
languages: [en]
inputs: [hub]
start: consent
nodes:
  consent:
    type: consent
    script: May I refer you?
    scopes: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: age
    refused: refused
  age:
    type: ask
    kind: choice
    collects: demographic
    text: Age group?
    options: {adult: 18 or older, child: Under 18}
    invalid: refused
    next: services
  refused:
    type: end
    outcome: consent_refused
    text: Nothing kept.
  services:
    type: ask
    kind: multi
    collects: need
    text: What help?
    options: {medical: Health care, legal: Legal help}
    invalid: refused
    next:
      - {when: {answer: age, is: child}, goto: send_child}
      - goto: send
  send_child:
    type: refer
    case_type: child_protection
    hub: hub
    next: sent
  send:
    type: refer
    case_type:
      - {when: {answer: services, includes: medical}, value: medical}
      - {when: {answer: services, includes: legal}, value: legal}
      - {value: protection}
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
"""


@pytest.fixture(scope="module")
def entry(tmp_path_factory: pytest.TempPathFactory) -> CompiledFlow:
    folder: Path = tmp_path_factory.mktemp("flows")
    (folder / "entry.yaml").write_text(ENTRY, encoding="utf-8")
    (folder / "adult.yaml").write_text(ADULT, encoding="utf-8")
    return FlowLibrary.load([folder]).current("entry")


@pytest.mark.parametrize(("state", "answers", "expected"), [
    # nothing known yet: every referral of the pathway is still possible
    ("adult/consent", {}, ("child_protection", "medical", "legal", "protection")),
    # an adult: the child's branch is closed; the needs are not asked yet
    ("adult/services", {"age": "adult"}, ("medical", "legal", "protection")),
    ("adult/services", {"age": "adult", "services": ["legal"]}, ("legal",)),
    ("adult/services", {"age": "adult", "services": ["legal", "medical"]},
     ("medical", "legal")),
    ("adult/services", {"age": "child"}, ("child_protection",)),
    ("situation", {}, ()),                # the entry's own nodes refer to nothing
])
def test_the_needs_of_an_ending_are_the_case_types_of_its_pathway(
        entry: CompiledFlow, state: str, answers: dict[str, object],
        expected: tuple[str, ...]) -> None:
    assert pathway_case_types(entry, state, answers) == expected


@pytest.mark.parametrize(("answers", "needs"), [
    pytest.param({"hub": "gaziantep", "age_band": "adult", "urgent_concerns": ["none"]},
                 ("gbv",), id="an adult survivor: never the child's child protection branch"),
    pytest.param({"hub": "gaziantep", "age_band": "child", "urgent_concerns": ["none"],
                  "gbv_child_rating": "medium", "gbv_caregiver": "absent"},
                 ("child_protection", "gbv"), id="a survivor under 18: child protection too"),
])
def test_a_branch_on_an_answer_nothing_ahead_can_give_is_decided(
        library: FlowLibrary, answers: dict[str, object], needs: tuple[str, ...]) -> None:
    state = "gbv_assent_alone" if answers["age_band"] == "child" else "survivor/consent"
    assert sorted(pathway_case_types(library.current("gbv"), state, answers)) == sorted(needs)
