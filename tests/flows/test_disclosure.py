"""A consent discloses exactly the fields of the referrals after it, up to the next consent,
each once, by its ``shared_as`` label, contact details apart; in a conversation, only those of
the path its answers allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.disclosure import disclosed_after, referrals_after
from bot.flows.graph import Graph, flatten
from bot.flows.library import BUNDLED, check, flow_files
from bot.flows.schema import parse_flow
from bot.flows.yamlsource import load_text

VALID = Path(__file__).resolve().parent / "valid"


def _graph() -> Graph:
    flows = check([VALID / "disclosure.yaml"])
    return flatten(flows["disclosure"], flows)


def test_a_consent_opens_the_way_to_the_referrals_before_the_next_consent() -> None:
    graph = _graph()
    assert referrals_after(graph, "first_consent") == ["send"]
    assert referrals_after(graph, "second_consent") == ["urgent_send"]


def test_the_fields_are_listed_by_label_once_each_contact_apart() -> None:
    graph = _graph()
    assert [(d.question, d.label.msgid, d.contact)
            for d in disclosed_after(graph, "first_consent")] == [
        ("age_band", "age group", False),
        ("reach", "how to reach you", False),
        ("phone", "your phone number", True),
    ]
    assert [(d.question, d.label.msgid, d.contact)
            for d in disclosed_after(graph, "second_consent")] == [
        ("more", "the kind of urgent help needed", False),
        ("age_band", "age group", False),
    ]


OVERRIDE = """
spec_version: 2
id: override
revision: 1
title: Override
languages: [en]
start: consent
nodes:
  consent:
    type: consent
    script: May I ask child protection to help?
    scopes: [refer, share]
    given_by: [caregiver]
    methods: [in_person]
    next: done
    refused: done
    override:
      reasons: {immediate_danger: The child is in immediate danger}
      next: concerns
  concerns:
    type: ask
    kind: multi
    collects: risk_indicator
    shared_as: what was seen
    text: What do you see?
    options: {injury: Injury}
    next: send
  send:
    type: refer
    case_type: child_protection
    hub: hub
    envelope: [concerns]
    next: done
  done: {type: end, outcome: info_only, text: Bye}
"""


def test_a_referral_reached_only_through_the_override_is_disclosed() -> None:
    flow = parse_flow(load_text(OVERRIDE, "override.yaml"), "override.yaml")
    graph = flatten(flow, {"override": flow})
    assert referrals_after(graph, "consent") == ["send"]
    assert [d.label.msgid for d in disclosed_after(graph, "consent")] == ["what was seen"]


SAME_LABEL = """
spec_version: 2
id: same_label
revision: 1
title: Same label
languages: [en]
start: consent
nodes:
  consent:
    type: consent
    script: May I send a note?
    scopes: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: reach
    refused: done
  reach:
    type: ask
    kind: choice
    collects: contact
    shared_as: how to reach you
    text: How?
    options: {phone: By phone, through_me: Through me}
    next:
      - {when: {answer: reach, is: phone}, goto: no_phone}
      - goto: send
  no_phone:
    type: ask
    kind: choice
    collects: contact
    shared_as: how to reach you
    text: No number; through you then.
    options: {through_me: Through me}
    next: send_via_me
  send:
    type: refer
    case_type: protection
    hub: hub
    envelope: [reach]
    next: done
  send_via_me:
    type: refer
    case_type: protection
    hub: hub
    envelope: [no_phone]
    next: done
  done: {type: end, outcome: info_only, text: Bye}
"""


def test_two_questions_with_one_label_on_two_paths_are_disclosed_once() -> None:
    flow = parse_flow(load_text(SAME_LABEL, "same_label.yaml"), "same_label.yaml")
    graph = flatten(flow, {"same_label": flow})
    assert [(d.question, d.label.msgid) for d in disclosed_after(graph, "consent")] == [
        ("reach", "how to reach you"),
    ]


def _gbv() -> Graph:
    flows = check(flow_files([BUNDLED]))
    return flatten(flows["gbv"], flows)


ADULT = {"hub": "gaziantep", "age_band": "adult", "urgent_concerns": ["none"]}
CHILD = {"hub": "gaziantep", "age_band": "child", "urgent_concerns": ["sexual_assault_120h"],
         "urgent_told": ["sexual_assault_120h"], "gbv_child_rating": "high",
         "gbv_caregiver": "absent"}


@pytest.mark.parametrize(("consent", "answers", "refers"), [
    pytest.param("survivor/consent", ADULT, ["survivor/send", "survivor/send_via_me"],
                 id="an adult who gave no phone for an urgent note: the GBV referral"),
    pytest.param("survivor/consent", {**ADULT, "urgent_concerns": ["injury"],
                                      "note_reach": "phone", "note_phone": "+90 555 000 0000"},
                 ["survivor/send", "survivor/send_note_phone", "survivor/send_via_me"],
                 id="an adult who gave a phone for the urgent note: it may be used again"),
    pytest.param("gbv_assent_alone", CHILD,
                 ["cp_only", "send_health", "send_cp_urgent", "send_child"],
                 id="a child at high risk: health, child protection, GBV, or the override"),
    pytest.param("gbv_assent_alone", {**CHILD, "urgent_concerns": ["none"],
                                      "urgent_told": ["none"], "gbv_child_rating": "medium"},
                 ["send_cp", "send_child"],
                 id="a child at medium risk: no health referral, child protection not urgent, "
                    "no override"),
])
def test_the_answers_given_keep_only_the_referrals_of_the_path_taken(
        consent: str, answers: dict[str, object], refers: list[str]) -> None:
    assert sorted(referrals_after(_gbv(), consent, answers)) == sorted(refers)


def test_without_answers_every_path_after_the_consent_counts() -> None:
    assert {"send_cp", "send_cp_urgent", "send_child", "cp_only"} <= set(
        referrals_after(_gbv(), "gbv_assent_alone"))


def test_an_adult_is_never_told_of_a_child_s_consent_or_the_urgent_concerns() -> None:
    told = [d.label.msgid for d in disclosed_after(_gbv(), "survivor/consent", ADULT)]
    assert told == ["the help you would like", "age group", "how to reach you",
                    "your phone number"]


def test_a_child_is_told_of_the_urgent_concerns_and_who_agreed() -> None:
    told = [d.label.msgid for d in disclosed_after(_gbv(), "gbv_assent_alone", CHILD)]
    assert told[:4] == ["the kind of urgent help needed", "age group",
                        "who agreed for the child", "how to reach you"]
    assert "the help you would like" in told and "your phone number" in told
