"""Broken flows, each paired with the exact problems a coordinator is shown.

One fixture per defect under ``broken/`` (a directory when the defect needs two files). The
expected lines are ``str(Problem)``: ``file:line node 'id' field: message``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import check, flow_files
from bot.flows.problems import FlowError
from bot.i18n.completeness import flow_translation_problems

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken"
VALID = HERE / "valid"

NO_CONSENT = ("a path reaches this referral without consent to refer and share "
              "(or the child-safety override): ")
NODE_TYPES = "say, ask, consent, risk, urgent, refer, include, return, end"
OUTCOMES = "referred, urgent_referred, info_only, consent_refused, not_eligible, cancelled"
COLLECTS = "contact, demographic, need, wish, risk_indicator, routing"
OPERATORS = "is, is_not, in, includes, includes_any, answered, lt, lte, gt, gte"

CASES = [
    # -- reading the file ----------------------------------------------------------------
    pytest.param("yaml_syntax_error.yaml", [
        "yaml_syntax_error.yaml:5: YAML syntax: found unexpected end of stream "
        "(while scanning a quoted scalar started at line 5)",
    ], id="an unclosed quote is reported where it opens"),
    pytest.param("top_level_not_mapping.yaml", [
        "top_level_not_mapping.yaml:1: the file must be a YAML mapping",
    ], id="a file that is a list is not a flow"),
    pytest.param("duplicate_key.yaml", [
        "duplicate_key.yaml:13 hello: duplicate key (first at line 9)",
    ], id="a node pasted twice is refused, not silently replaced"),
    # -- spec versions -------------------------------------------------------------------
    pytest.param("missing_spec_version.yaml", [
        "missing_spec_version.yaml:1 spec_version: is required and must be a whole number "
        "(current: 2)",
    ], id="a file without spec_version is refused"),
    pytest.param("unsupported_spec_version.yaml", [
        "unsupported_spec_version.yaml:1 spec_version: unsupported version 3 "
        "(this release reads 1 to 2)",
    ], id="a spec_version from the future is refused"),
    pytest.param("spec_v1_unknown_target.yaml", [
        "spec_v1_unknown_target.yaml:12 node 'hello' next: unknown node 'goodbye'",
    ], id="a version 1 file migrates and its errors keep the lines as written"),
    pytest.param("spec_v1_nodes_not_a_list.yaml", [
        "spec_v1_nodes_not_a_list.yaml:8 nodes: spec_version 1 expects a list of nodes",
    ], id="a version 1 file written with version 2 nodes cannot migrate"),
    pytest.param("spec_v1_node_without_id.yaml", [
        "spec_v1_node_without_id.yaml:8 nodes[0]: a node needs an 'id'",
    ], id="a version 1 node without an id cannot migrate"),
    # -- shape of the file and its nodes -------------------------------------------------
    pytest.param("unknown_top_level_field.yaml", [
        "unknown_top_level_field.yaml:7 langauges: unknown top-level field",
    ], id="a misspelt top-level field is named"),
    pytest.param("unknown_node_type.yaml", [
        f"unknown_node_type.yaml:9 node 'hello' type: unknown node type 'message' "
        f"(expected one of: {NODE_TYPES})",
    ], id="an unknown node type lists the known ones"),
    pytest.param("node_without_type.yaml", [
        f"node_without_type.yaml:9 node 'hello' type: is required (one of: {NODE_TYPES})",
    ], id="a node without a type is told that type is required"),
    pytest.param("unknown_node_field.yaml", [
        "unknown_node_field.yaml:11 node 'hello' goto: unknown field for a say node",
    ], id="a field a node does not take is named"),
    pytest.param("missing_required_field.yaml", [
        "missing_required_field.yaml:9 node 'hello' next: is required",
    ], id="a node missing a required field names the field"),
    pytest.param("bad_node_id.yaml", [
        "bad_node_id.yaml:8 node 'Hello-There' id: 'Hello-There' is not a valid id "
        "(lower-case letters, digits, _)",
    ], id="a node id with capitals and dashes is refused"),
    pytest.param("bad_flow_id.yaml", [
        "bad_flow_id.yaml:2 id: 'Broken Flow' is not a valid id (lower-case letters, digits, _)",
    ], id="a flow id with a space is refused"),
    # -- targets -------------------------------------------------------------------------
    pytest.param("unknown_target.yaml", [
        "unknown_target.yaml:11 node 'hello' next: unknown node 'goodbye'",
    ], id="next pointing at a missing node is refused on the next line"),
    pytest.param("unknown_branch_target.yaml", [
        "unknown_branch_target.yaml:17 node 'adult' next[0].goto: unknown node 'child_flow'",
    ], id="a branch pointing at a missing node is refused on the branch line"),
    pytest.param("unknown_invalid_target.yaml", [
        "unknown_invalid_target.yaml:16 node 'adult' invalid: unknown node 'no_answr'",
    ], id="invalid pointing at a missing node is refused"),
    pytest.param("unknown_refused_target.yaml", [
        "unknown_refused_target.yaml:15 node 'consent' refused: unknown node 'refused_end'",
    ], id="a consent refused way pointing at a missing node is refused"),
    pytest.param("unknown_start.yaml", [
        "unknown_start.yaml:6 start: unknown node 'welcome'",
    ], id="a start node that does not exist is refused"),
    # -- branches and conditions ---------------------------------------------------------
    pytest.param("branch_without_when_not_last.yaml", [
        "branch_without_when_not_last.yaml:17 node 'adult' next: "
        "only the last branch may omit 'when'",
    ], id="a branch without when before the last one is refused"),
    pytest.param("last_branch_with_when.yaml", [
        "last_branch_with_when.yaml:18 node 'adult' next: the last branch must have no 'when' "
        "(the way on when nothing matches)",
    ], id="a last branch with when leaves no way on and is refused"),
    pytest.param("condition_two_operators.yaml", [
        f"condition_two_operators.yaml:17 node 'adult' next[0].when: use exactly one operator "
        f"of: {OPERATORS} (found: is, is_not)",
    ], id="a condition with two operators is refused"),
    pytest.param("condition_lt_with_text.yaml", [
        "condition_lt_with_text.yaml:14 node 'age' next[0].when: 'lt' compares with a number",
    ], id="lt with a word instead of a number is refused"),
    pytest.param("condition_unknown_answer.yaml", [
        "condition_unknown_answer.yaml:17 node 'adult' next[0].when: "
        "refers to unknown answer 'is_adult'",
    ], id="a condition on an answer no question records is refused"),
    pytest.param("includes_on_choice_question.yaml", [
        "includes_on_choice_question.yaml:17 node 'help' next[0].when: "
        "'includes' needs a multi question, 'help' is choice",
    ], id="includes on a single-choice question is refused"),
    pytest.param("comparison_on_choice_question.yaml", [
        "comparison_on_choice_question.yaml:17 node 'age' next[0].when: "
        "'lt' needs a number question, 'age' is choice",
    ], id="a number comparison on a choice question is refused"),
    pytest.param("condition_unknown_option.yaml", [
        "condition_unknown_option.yaml:17 node 'adult' next[0].when: "
        "'adult' has no option 'maybe'",
    ], id="a condition on an option the question does not offer is refused"),
    pytest.param("option_relevant_unknown_answer.yaml", [
        "option_relevant_unknown_answer.yaml:23 node 'needs' options.older_person.relevant: "
        "refers to unknown answer 'age_band'",
    ], id="an option offered only on an answer no question records is refused"),
    pytest.param("option_relevant_unknown_option.yaml", [
        "option_relevant_unknown_option.yaml:23 node 'needs' options.older_person.relevant: "
        "'age' has no option 'senior'",
    ], id="an option offered only on an option the question does not have is refused"),
    # -- paths ---------------------------------------------------------------------------
    pytest.param("unreachable_node.yaml", [
        "unreachable_node.yaml:13 node 'forgotten': unreachable: no path leads here",
    ], id="a node no path leads to is refused"),
    pytest.param("loop_without_exit.yaml", [
        "loop_without_exit.yaml:15 node 'again': no way out: every path from here loops "
        "without reaching an end",
        "loop_without_exit.yaml:24 node 'more': no way out: every path from here loops "
        "without reaching an end",
    ], id="every node of a loop with no way out is named"),
    pytest.param("end_unknown_outcome.yaml", [
        f"end_unknown_outcome.yaml:10 node 'done' outcome: unknown outcome 'finished' "
        f"(expected one of: {OUTCOMES})",
    ], id="an end with an unknown outcome lists the known ones"),
    pytest.param("referred_without_refer.yaml", [
        "referred_without_refer.yaml:19 node 'sent' outcome: ends as 'referred' but a path "
        "reaches it without a refer node: consent → sent",
    ], id="an end saying referred with no referral before it is refused"),
    # -- consent -------------------------------------------------------------------------
    pytest.param("referral_without_consent.yaml", [
        f"referral_without_consent.yaml:15 node 'send': {NO_CONSENT}hub → send",
    ], id="a referral reachable without consent is refused with the path"),
    pytest.param("consent_without_share.yaml", [
        f"consent_without_share.yaml:24 node 'send': {NO_CONSENT}hub → consent → send; "
        "consent 'consent' does not require share",
    ], id="a referral after a consent that does not require share is refused"),
    pytest.param("refusal_reaches_referral.yaml", [
        f"refusal_reaches_referral.yaml:28 node 'send': {NO_CONSENT}hub → consent → sorry → "
        "send; consent 'consent' was refused on this path (a refusal must never lead to a "
        "referral)",
    ], id="a referral reached through a consent's refused way is refused"),
    pytest.param("sensitive_before_consent.yaml", [
        "sensitive_before_consent.yaml:12 node 'phone' sensitive: "
        "a sensitive question is asked before consent: phone",
    ], id="a sensitive question before consent is refused"),
    pytest.param("override_without_reasons.yaml", [
        "override_without_reasons.yaml:16 node 'consent' override.reasons: "
        "the child-safety override needs at least one recorded reason",
    ], id="a child-safety override without reasons is refused"),
    pytest.param("sensitive_in_envelope.yaml", [
        "sensitive_in_envelope.yaml:35 node 'send' envelope: 'phone' is sensitive: "
        "put it under 'contact', which only the accepting agency sees",
    ], id="a sensitive answer in the referral envelope is refused"),
    # -- keeping the story out ------------------------------------------------------------
    pytest.param("collects_incident.yaml", [
        "collects_incident.yaml:12 node 'what_happened' collects: a question may not collect "
        "incident details: the story is told once, to the specialist, never to the referrer "
        "or the bot",
    ], id="a question declared as collecting incident details is refused"),
    pytest.param("collects_missing.yaml", [
        f"collects_missing.yaml:10 node 'help' collects: is required: say what the question "
        f"collects (one of: {COLLECTS})",
    ], id="a question that does not declare what it collects is refused"),
    pytest.param("shared_without_label.yaml", [
        "shared_without_label.yaml:38 node 'send' envelope: 'age_band' travels with this "
        "referral, so its question needs 'shared_as': the words the consent uses to tell the "
        "person",
    ], id="a field a referral sends without a shared_as label is refused"),
    pytest.param("collects_unknown_value.yaml", [
        f"collects_unknown_value.yaml:12 node 'note' collects: unknown value 'story' "
        f"(expected one of: {COLLECTS})",
    ], id="a question collecting something outside the closed list is refused"),
    pytest.param("free_text_in_envelope.yaml", [
        "free_text_in_envelope.yaml:36 node 'send' envelope: 'needs' is free text and not "
        "contact details: typed words may carry the story, so they never travel with a "
        "referral (ask with options instead)",
    ], id="a free-text answer other than contact details in an envelope is refused"),
    pytest.param("free_text_before_gbv_referral.yaml", [
        "free_text_before_gbv_referral.yaml:26 node 'wish' kind: free text that collects wish "
        "on a path to a gbv referral: on that pathway only contact details may be typed (ask "
        "with options instead): wish → phone → send",
    ], id="free text other than contact details on the way to a GBV referral is refused"),
    # -- risk tables ---------------------------------------------------------------------
    pytest.param("risk_count_undefined.yaml", [
        "risk_count_undefined.yaml:32 node 'rating' rules: "
        "no rule rates the count red=0, yellow=3",
    ], id="a risk table that rates no level for three yellow is refused"),
    pytest.param("risk_rules_overlap.yaml", [
        "risk_rules_overlap.yaml:35 node 'rating' rules[2]: "
        "overlaps rules[1] at the count red=0, yellow=2",
    ], id="two risk rules rating the same count are refused"),
    pytest.param("risk_level_missing.yaml", [
        "risk_level_missing.yaml:34 node 'rating' rules[1].level: "
        "'medium' has no entry under 'levels' (due_hours, timeframe)",
    ], id="a risk rule giving a level that levels does not describe is refused"),
    pytest.param("risk_counter_unknown_option.yaml", [
        "risk_counter_unknown_option.yaml:30 node 'rating' counts.red: "
        "'red_flags' has no option 'eviction'",
    ], id="a risk counter counting an option the question lacks is refused"),
    pytest.param("risk_option_uncounted.yaml", [
        "risk_option_uncounted.yaml:34 node 'rating' counts.yellow: option 'no_documents' of "
        "'yellow_flags' is counted by no rule: ticking it can never raise the risk (count it, "
        "or ask it in a question the rating does not read)",
    ], id="an option of a rated question that no counter counts is refused"),
    pytest.param("risk_counter_on_choice_question.yaml", [
        "risk_counter_on_choice_question.yaml:30 node 'rating' counts.red: "
        "'red_flags' must be a multi question",
    ], id="a risk counter on a single-choice question is refused"),
    pytest.param("risk_rating_unknown_level.yaml", [
        "risk_rating_unknown_level.yaml:42 node 'rating' next[0].when: "
        "'rating' has no level 'hihg' (expected one of: high, medium, low, none)",
    ], id="a branch on a misspelt risk level is refused"),
    # -- includes and sets of files ------------------------------------------------------
    pytest.param("include_unknown_flow.yaml", [
        "include_unknown_flow.yaml:10 node 'screen' flow: unknown flow 'urgent_screan'",
    ], id="including a flow that does not exist is refused"),
    pytest.param("include_cycle", [
        "a.yaml:11 node 'go_second' flow: include cycle: 'second' includes 'first' again",
        "b.yaml:11 node 'go_first' flow: include cycle: 'first' includes 'second' again",
    ], id="two flows including each other are both refused"),
    pytest.param("include_return_without_next", [
        "main.yaml:10 node 'screen' next: flow 'screen' can return here, so 'next' is required",
    ], id="including a subflow that returns needs a next"),
    pytest.param("include_never_returns", [
        "main.yaml:12 node 'consent' next: flow 'consent' never returns, "
        "so 'next' is never followed",
    ], id="a next after a flow that never returns is refused"),
    pytest.param("subflow_returns_at_once", [
        "screen.yaml:8 start: 'back' returns at once: a subflow must do something first",
    ], id="a subflow that returns before doing anything is refused"),
    pytest.param("return_outside_subflow.yaml", [
        "return_outside_subflow.yaml:13 node 'back' type: only a subflow may return",
    ], id="return in a flow that is not a subflow is refused"),
    pytest.param("include_missing_input", [
        "main.yaml:11 node 'details' flow: flow 'details' needs the answer 'hub', "
        "which 'main' never asks",
    ], id="including a flow whose input the includer never asks is refused"),
    pytest.param("duplicate_flow_id", [
        "b.yaml:2 id: flow id 'intake' is also used by a.yaml",
    ], id="two files with the same flow id are refused"),
]


@pytest.mark.parametrize(("fixture", "expected"), CASES)
def test_broken_flow_is_refused_with_exact_problems(fixture: str, expected: list[str]) -> None:
    with pytest.raises(FlowError) as raised:
        check(flow_files([BROKEN / fixture]))
    assert [str(p) for p in raised.value.problems] == expected


def test_every_broken_fixture_is_in_the_table() -> None:
    tabled = {param.values[0] for param in CASES}
    assert {path.name for path in BROKEN.iterdir()} == tabled


# -- translations ------------------------------------------------------------------------

PO_HEADER = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
'''


def _write_po(locales: Path, lang: str, body: str) -> None:
    path = locales / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO_HEADER + body, encoding="utf-8")


def test_missing_and_fuzzy_translations_are_named_at_their_text(tmp_path: Path) -> None:
    _write_po(tmp_path, "tr", '''
msgctxt "flow:greeting:title"
msgid "Greeting"
msgstr "Selamlama"

#, fuzzy
msgctxt "flow:greeting:hello:text"
msgid "Hello"
msgstr "Merhaba"
''')
    flows = check(flow_files([VALID / "greeting.yaml"]))
    assert [str(p) for p in flow_translation_problems(flows, tmp_path)] == [
        "greeting.yaml:11 node 'hello' text: Turkish (tr) translation is fuzzy "
        "(the source changed; review it)",
        "greeting.yaml:16 node 'done' text: Turkish (tr) translation is missing",
    ]


def test_a_declared_language_without_a_catalog_is_named_at_languages(tmp_path: Path) -> None:
    flows = check(flow_files([VALID / "greeting.yaml"]))
    assert [str(p) for p in flow_translation_problems(flows, tmp_path)] == [
        "greeting.yaml:6 languages: no catalog for Turkish (tr)",
    ]
