"""The child-safety override is narrow: the checker proves it is offered only when the risk is
high or an urgent safety / interim-care concern was ticked, with a reason from a closed list
(bot.flows.override); the engine offers it only while its condition holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import BUNDLED, check, flow_files
from bot.flows.override import REASONS
from bot.flows.problems import FlowError

KID = """\
spec_version: 2
id: kid
revision: 1
title: Kid
languages: [en]
inputs: [hub]
start: urgent
nodes:
  urgent:
    type: ask
    kind: multi
    collects: risk_indicator
    shared_as: the urgent concerns
    text: Urgent now?
    options: {hurt: Hurt, unsafe: Unsafe, alone: Alone, none: {label: None, exclusive: true}}
    invalid: stop
    next: act
  act:
    type: urgent
    categories_from: {answer: urgent, map: {hurt: health, unsafe: safety, alone: interim_care}}
    text: Act now
    next: level
  level:
    type: risk
    counts: {high: {answer: urgent, options: [hurt, unsafe, alone]}}
    rules: [{high: 1+, level: high}, {high: 0, level: low}]
    levels: {high: {timeframe: High}, low: {timeframe: Low}}
    allow_raise: false
    next: consent
  consent:
    type: consent
    script: May I?
    scopes: [refer, share]
    given_by: [child_assent]
    methods: [in_person]
    next: send
    refused: stop
    override:
WHEN      reasons: {REASON: In danger}
      next: send
  send:
    type: refer
    case_type: child_protection
    hub: hub
    envelope: [urgent]
    next: done
  done: {type: end, outcome: referred, text: Sent}
  stop: {type: end, outcome: cancelled, text: Stopped}
"""


def _kid(tmp_path: Path, when: str, reason: str = "immediate_danger") -> Path:
    path = tmp_path / "kid.yaml"
    block = f"      when: {when}\n" if when else ""
    path.write_text(KID.replace("WHEN", block).replace("REASON", reason), encoding="utf-8")
    return path


@pytest.mark.parametrize("when", [
    pytest.param("{answer: level, is: high}", id="the rating is high"),
    pytest.param("{answer: level, in: [high]}", id="the rating is one of: high"),
    pytest.param("{answer: urgent, includes: unsafe}", id="an urgent safety concern"),
    pytest.param("{answer: urgent, includes_any: [unsafe, alone]}",
                 id="an urgent safety or interim-care concern"),
    pytest.param("{any: [{answer: level, is: high}, {answer: urgent, includes: alone}]}",
                 id="either of them"),
    pytest.param("{all: [{answer: level, is: high}, {answer: urgent, includes: hurt}]}",
                 id="a high rating together with anything else"),
])
def test_a_narrow_override_passes(tmp_path: Path, when: str) -> None:
    assert list(check([_kid(tmp_path, when)])) == ["kid"]


NOT_NARROW = ("kid.yaml:39 node 'consent' override.when: this condition can hold without an "
              "immediate risk: test a rating for 'high' or an urgent answer for options its "
              "urgent node maps to safety or interim_care")


@pytest.mark.parametrize(("when", "reason", "problems"), [
    pytest.param("", "immediate_danger", [
        "kid.yaml:39 node 'consent' override.when: the child-safety override needs 'when': a "
        "condition that holds only when the risk is high or an urgent safety or interim-care "
        "concern was ticked"], id="an override without a condition"),
    pytest.param("{answer: level, in: [high, low]}", "immediate_danger", [NOT_NARROW],
                 id="a rating that may be low"),
    pytest.param("{answer: level, is_not: low}", "immediate_danger", [NOT_NARROW],
                 id="a negated rating test"),
    pytest.param("{answer: urgent, includes: hurt}", "immediate_danger", [NOT_NARROW],
                 id="an urgent health concern only"),
    pytest.param("{answer: urgent, includes_any: [unsafe, hurt]}", "immediate_danger",
                 [NOT_NARROW], id="a safety concern or a health one"),
    pytest.param("{any: [{answer: level, is: high}, {answer: urgent, includes: hurt}]}",
                 "immediate_danger", [NOT_NARROW], id="high or a health concern"),
    pytest.param("{not: {answer: level, is: low}}", "immediate_danger", [NOT_NARROW],
                 id="not low"),
    pytest.param("{answer: level, is: high}", "caregiver_refused", [
        "kid.yaml:40 node 'consent' override.reasons: 'caregiver_refused' is not an override "
        "reason; use one of: immediate_danger, harm_by_caregiver, no_safe_adult (each an "
        "immediate risk)"], id="a reason outside the closed list"),
])
def test_an_override_that_is_not_narrow_is_refused(tmp_path: Path, when: str, reason: str,
                                                     problems: list[str]) -> None:
    with pytest.raises(FlowError) as raised:
        check([_kid(tmp_path, when, reason)])
    assert [str(p) for p in raised.value.problems] == problems


def test_every_shipped_override_is_narrow_and_gives_closed_reasons() -> None:
    flows = check(flow_files([BUNDLED]))
    overrides = [(flow.id, node.id, node.override) for flow in flows.values()
                 for node in flow.nodes.values() if getattr(node, "override", None)]
    assert {(flow_id, node_id) for flow_id, node_id, _ in overrides} == {
        ("child_pathway", "assent"), ("child_pathway", "caregiver_consent"),
        ("child_pathway", "assent_alone"), ("gbv", "gbv_assent"),
        ("gbv", "gbv_caregiver_consent"), ("gbv", "gbv_assent_alone")}
    for _, _, override in overrides:
        assert override.when is not None
        assert {reason.id for reason in override.reasons} <= set(REASONS)
