"""The checker on small flows written here, each problem exact: a referral's problem says why
each consent on its path let it through; two flows recording one answer id on one path are
refused at the later question unless both ask the same question (on separate branches it is
fine); free text before a GBV
referral, a "referred" end without a refer, include cycles, urgent entries that lead nowhere,
counters, conditions and referral fields that name what does not exist are refused where
they are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import check, flow_files
from bot.flows.problems import FlowError

HEAD = """\
spec_version: 2
id: {id}
revision: 1
title: Paths
languages: [en]
"""

#: Consent to statistics only, then consent to refer alone whose refusal leads to a referral.
TWO_CONSENTS = HEAD.format(id="two") + """\
start: hub
nodes:
  hub:
    type: ask
    kind: hub
    collects: routing
    text: In which hub is the person now?
    next: figures
  figures:
    type: consent
    script: May we count this conversation?
    scopes: [statistics]
    given_by: [person]
    methods: [in_person]
    next: agree
    refused: agree
  agree:
    type: consent
    script: May I ask an agency to help you?
    scopes: [refer]
    given_by: [person]
    methods: [in_person]
    next: bye
    refused: send
  send:
    type: refer
    case_type: protection
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  bye:
    type: end
    outcome: info_only
    text: Bye.
"""


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as raised:
        check(flow_files(sorted(tmp_path.iterdir())))
    return [str(p) for p in raised.value.problems]


def test_each_consent_passed_on_the_way_to_a_referral_is_named_with_why(
        tmp_path: Path) -> None:
    assert problems(tmp_path, {"two.yaml": TWO_CONSENTS}) == [
        "two.yaml:31 node 'send': a path reaches this referral without consent to refer and "
        "share (or the child-safety override): hub → figures → agree → send; consent "
        "'figures' does not require refer, share; consent 'agree' was refused on this path "
        "(a refusal must never lead to a referral)",
    ]


#: A sub-flow asking 'age'; the main flow asks 'age' too, before it on one branch and on
#: another branch that never reaches it.
SUB = HEAD.format(id="sub") + """\
kind: subflow
start: age
nodes:
  age:
    type: ask
    kind: choice
    collects: demographic
    text: Age group?
    options: {adult: Adult, child: Child}
    next: back
  back:
    type: return
"""

MAIN = HEAD.format(id="main") + """\
start: which
nodes:
  which:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options: {one: One, two: Two}
    next:
      - {when: {answer: which, is: one}, goto: %s}
      - goto: %s
  age:
    type: ask
    kind: choice
    collects: demographic
    text: How old?
    options: {adult: Adult, child: Child}
    next: done
  details:
    type: include
    flow: sub
    next: done
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


#: The main flow's own 'age' question, as written in MAIN, and changes to it that make it
#: record something else than the sub-flow's 'age' (which asks "Age group?").
MAIN_AGE = "    text: How old?\n    options: {adult: Adult, child: Child}\n"
RECORDS_OTHER = {
    "another option": "    text: How old?\n    options: {adult: Adult, child: Child, "
                      "older: Older}\n",
    "another label": "    text: How old?\n    options: {adult: Grown-up, child: Child}\n",
    "options in another order": "    text: How old?\n    options: {child: Child, "
                                "adult: Adult}\n",
    "another kind": "    text: How old?\n    options: {adult: Adult, child: Child}\n"
                    "    max_selected: 1\n",
    "a label on the referral": "    text: How old?\n    shared_as: age group\n"
                               "    options: {adult: Adult, child: Child}\n",
}


@pytest.mark.parametrize("change", sorted(RECORDS_OTHER))
def test_an_answer_id_two_flows_record_differently_on_one_path_is_refused_at_the_later_question(
        tmp_path: Path, change: str) -> None:
    main = MAIN.replace("next: done\n  details", "next: details\n  details", 1)
    main = main.replace(MAIN_AGE, RECORDS_OTHER[change], 1)
    if change == "another kind":
        main = main.replace("    kind: choice\n    collects: demographic\n    text: How old?",
                            "    kind: multi\n    collects: demographic\n    text: How old?", 1)
    assert problems(tmp_path, {"main.yaml": main % ("age", "details"), "sub.yaml": SUB}) == [
        "sub.yaml:10 node 'age': answer id 'age' is also asked earlier on the same path by "
        "flow 'main'; rename one of them",
    ]


def test_the_same_question_asked_by_two_flows_on_one_path_is_one_answer_and_accepted(
        tmp_path: Path) -> None:
    """The wording may differ; what is recorded (kind, options, labels) is the same."""
    main = MAIN.replace("next: done\n  details", "next: details\n  details", 1)
    assert MAIN_AGE in main
    for name, text in {"main.yaml": main % ("age", "details"), "sub.yaml": SUB}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    flows = check(flow_files(sorted(tmp_path.iterdir())))
    assert set(flows) == {"main", "sub"}


def test_one_answer_id_in_two_flows_on_separate_branches_is_accepted(tmp_path: Path) -> None:
    for name, text in {"main.yaml": MAIN % ("age", "details"), "sub.yaml": SUB}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    flows = check(flow_files(sorted(tmp_path.iterdir())))
    assert set(flows) == {"main", "sub"}


#: Free text that collects a wish, then a choice that may loop back to it or go on to a
#: referral whose case type is {case}.
FREE_TEXT = HEAD.format(id="free") + """\
start: hub
nodes:
  hub:
    type: ask
    kind: hub
    collects: routing
    text: In which hub is the person now?
    next: consent
  consent:
    type: consent
    script: May I ask a specialist to contact you?
    scopes: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: wish
    refused: done
  wish:
    type: ask
    kind: text
    collects: wish
    text: Anything the specialist should know?
    next: again
  again:
    type: ask
    kind: choice
    collects: routing
    text: Add more?
    options: {"yes": "Yes", "no": "No"}
    next:
      - {when: {answer: again, is: "yes"}, goto: wish}
      - goto: send
  send:
    type: refer
    case_type: {case}
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


def test_free_text_before_a_gbv_referral_is_found_past_a_loop_back_to_it(
        tmp_path: Path) -> None:
    assert problems(tmp_path, {"free.yaml": FREE_TEXT.replace("{case}", "gbv")}) == [
        "free.yaml:24 node 'wish' kind: free text that collects wish on a path to a gbv "
        "referral: on that pathway only contact details may be typed (ask with options "
        "instead): wish → again → send",
    ]


def test_free_text_before_a_general_protection_referral_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "free.yaml").write_text(FREE_TEXT.replace("{case}", "protection"),
                                        encoding="utf-8")
    assert set(check(flow_files([tmp_path / "free.yaml"]))) == {"free"}


#: A referral on one branch; on the other, an end that says "referred" with none.
CLAIMS_REFERRED = HEAD.format(id="claims") + """\
start: hub
nodes:
  hub:
    type: ask
    kind: hub
    collects: routing
    text: In which hub is the person now?
    next: consent
  consent:
    type: consent
    script: May I ask an agency to help you?
    scopes: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: which
    refused: done
  which:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options: {one: One, two: Two}
    next:
      - {when: {answer: which, is: one}, goto: send}
      - goto: note
  send:
    type: refer
    case_type: protection
    hub: hub
    next: sent
  note:
    type: say
    text: One moment.
    next: fake
  fake:
    type: end
    outcome: referred
    text: Sent.
  sent:
    type: end
    outcome: referred
    text: Sent.
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


def test_an_end_saying_referred_is_refused_when_only_another_branch_refers(
        tmp_path: Path) -> None:
    assert problems(tmp_path, {"claims.yaml": CLAIMS_REFERRED}) == [
        "claims.yaml:42 node 'fake' outcome: ends as 'referred' but a path reaches it "
        "without a refer node: hub → consent → which → note → fake",
    ]


def test_an_override_leading_nowhere_is_reported_at_its_next(tmp_path: Path) -> None:
    flow = CLAIMS_REFERRED.replace("    refused: done\n", "    refused: done\n    override:\n"
                                   "      reasons: {immediate_danger: In danger}\n"
                                   "      next: nowhere\n", 1)
    assert problems(tmp_path, {"claims.yaml": flow})[0] == (
        "claims.yaml:22 node 'consent' override.next: unknown node 'nowhere'")


#: A rating whose one counter reads a question that does not exist, a choice question, and a
#: multi question with an option it does not count.
COUNTS_ACROSS = HEAD.format(id="across") + """\
start: signs
nodes:
  signs:
    type: ask
    kind: multi
    collects: risk_indicator
    text: What do you see?
    options: {hurt: Hurt, none: {label: None of these, exclusive: true}}
    next: colour
  colour:
    type: ask
    kind: choice
    collects: risk_indicator
    text: Which colour?
    options: {red: Red, green: Green}
    next: extra
  extra:
    type: ask
    kind: multi
    collects: risk_indicator
    text: Anything more?
    options: {hurt: Hurt again, cut: Cut}
    next: rating
  rating:
    type: risk
    counts:
      seen: {answer: [signs, missing, colour, extra], options: [hurt]}
    rules:
      - {seen: 1+, level: high}
      - {seen: 0, level: low}
    levels:
      high: {due_hours: 24, timeframe: "High risk."}
      low: {due_hours: 336, timeframe: "Low risk."}
    allow_raise: false
    next: done
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


def test_a_counter_across_questions_names_each_unknown_or_unfit_question_and_each_option_left(
        tmp_path: Path) -> None:
    assert problems(tmp_path, {"across.yaml": COUNTS_ACROSS}) == [
        "across.yaml:32 node 'rating' counts.seen: 'colour' must be a multi question",
        "across.yaml:32 node 'rating' counts.seen: option 'cut' of 'extra' is counted by no "
        "rule: ticking it can never raise the risk (count it, or ask it in a question the "
        "rating does not read)",
        "across.yaml:32 node 'rating' counts.seen: refers to unknown answer 'missing'",
    ]


def _include_chain(tmp_path: Path, links: dict[str, str]) -> None:
    for flow, target in links.items():
        (tmp_path / f"{flow}.yaml").write_text(HEAD.format(id=flow) + f"""\
kind: subflow
start: go
nodes:
  go:
    type: include
    flow: {target}
    next: back
  back:
    type: return
""", encoding="utf-8")


def test_an_include_cycle_through_three_flows_is_refused_in_each(tmp_path: Path) -> None:
    _include_chain(tmp_path, {"first": "second", "second": "third", "third": "first"})
    with pytest.raises(FlowError) as raised:
        check(flow_files(sorted(tmp_path.iterdir())))
    assert [str(p) for p in raised.value.problems] == [
        "first.yaml:11 node 'go' flow: include cycle: 'second' includes 'first' again",
        "second.yaml:11 node 'go' flow: include cycle: 'third' includes 'second' again",
        "third.yaml:11 node 'go' flow: include cycle: 'first' includes 'third' again",
    ]


def test_a_flow_including_a_cycle_it_is_not_part_of_is_not_called_a_cycle(
        tmp_path: Path) -> None:
    _include_chain(tmp_path, {"outer": "first", "first": "second", "second": "first"})
    with pytest.raises(FlowError) as raised:
        check(flow_files(sorted(tmp_path.iterdir())))
    assert [p.file.rpartition("/")[2] for p in raised.value.problems] == [
        "first.yaml", "second.yaml"]


#: A flow whose /urgent entry is written as a path: {urgent}.
URGENT_MAIN = HEAD.format(id="main") + """\
urgent: {urgent}
start: which
nodes:
  which:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options: {one: One, two: Two}
    next: details
  details:
    type: include
    flow: sub
    next: done
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


def test_an_urgent_entry_inside_an_included_flow_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(URGENT_MAIN.replace("{urgent}", "details/age"),
                                        encoding="utf-8")
    (tmp_path / "sub.yaml").write_text(SUB, encoding="utf-8")
    assert set(check(flow_files(sorted(tmp_path.iterdir())))) == {"main", "sub"}


@pytest.mark.parametrize("urgent", ["details/nothing", "which/age", "nothing/age", "nothing"])
def test_an_urgent_entry_that_leads_nowhere_is_refused(tmp_path: Path, urgent: str) -> None:
    assert problems(tmp_path, {"main.yaml": URGENT_MAIN.replace("{urgent}", urgent),
                               "sub.yaml": SUB}) == [
        f"main.yaml:6 urgent: unknown node '{urgent}'"]


def test_a_referral_reading_unknown_answers_is_refused_at_each_field(tmp_path: Path) -> None:
    flow = CLAIMS_REFERRED.replace("    hub: hub\n    next: sent\n",
                                   "    hub: place\n    envelope: [ghost]\n    contact: [nobody]\n"
                                   "    services: wanted\n    next: sent\n", 1)
    assert problems(tmp_path, {"claims.yaml": flow}) == [
        "claims.yaml:34 node 'send' hub: refers to unknown answer 'place'",
        "claims.yaml:35 node 'send' envelope: refers to unknown answer 'ghost'",
        "claims.yaml:36 node 'send' contact: refers to unknown answer 'nobody'",
        "claims.yaml:37 node 'send' services: refers to unknown answer 'wanted'",
    ]


def test_a_counter_on_an_unknown_question_is_refused_at_its_field(tmp_path: Path) -> None:
    flow = COUNTS_ACROSS.replace("[signs, missing, colour, extra]", "missing", 1)
    assert "across.yaml:32 node 'rating' counts.seen: refers to unknown answer 'missing'" in \
        problems(tmp_path, {"across.yaml": flow})


def test_a_case_type_condition_on_an_unknown_answer_is_refused_at_its_rule(
        tmp_path: Path) -> None:
    flow = CLAIMS_REFERRED.replace("    case_type: protection\n    hub: hub\n", (
        "    case_type:\n      - {when: {answer: ghost, is: x}, value: gbv}\n"
        "      - {value: protection}\n    hub: hub\n"), 1)
    assert problems(tmp_path, {"claims.yaml": flow}) == [
        "claims.yaml:34 node 'send' case_type[0].when: refers to unknown answer 'ghost'",
    ]


def test_contact_and_services_that_travel_with_a_referral_need_words_for_the_consent(
        tmp_path: Path) -> None:
    flow = CLAIMS_REFERRED.replace("    hub: hub\n    next: sent\n", (
        "    hub: hub\n    contact: [phone]\n    services: needs\n    next: sent\n"
        "  phone:\n    type: ask\n    kind: text\n    collects: contact\n"
        "    text: Phone?\n    next: needs\n"
        "  needs:\n    type: ask\n    kind: multi\n    collects: need\n    text: Needs?\n"
        "    options: {food: Food, rent: Rent}\n    next: send\n"), 1)
    assert problems(tmp_path, {"claims.yaml": flow}) == [
        "claims.yaml:35 node 'send' contact: 'phone' travels with this referral, so its "
        "question needs 'shared_as': the words the consent uses to tell the person",
        "claims.yaml:36 node 'send' services: 'needs' travels with this referral, so its "
        "question needs 'shared_as': the words the consent uses to tell the person",
    ]


#: Questions of each kind, a rating, and a branch whose condition is {when}.
CONDITIONS = HEAD.format(id="cond") + """\
start: which
nodes:
  which:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options: {one: One, two: Two}
    next: signs
  signs:
    type: ask
    kind: multi
    collects: risk_indicator
    text: What do you see?
    options: {hurt: Hurt, none: {label: None of these, exclusive: true}}
    next: years
  years:
    type: ask
    kind: number
    collects: demographic
    text: How old?
    next: rating
  rating:
    type: risk
    counts:
      seen: {answer: signs, options: [hurt]}
    rules:
      - {seen: 1, level: high}
      - {seen: 0, level: low}
    levels:
      high: {due_hours: 24, timeframe: "High risk."}
      low: {due_hours: 336, timeframe: "Low risk."}
    allow_raise: false
    next:
      - {when: %s, goto: done}
      - goto: done
  done:
    type: end
    outcome: info_only
    text: Bye.
"""
AT = "cond.yaml:40 node 'rating' next[0].when: "


@pytest.mark.parametrize(("when", "expected"), [
    ("{all: [{answer: ghost, is: x}, {answer: which, is: three}]}",
     ["'which' has no option 'three'", "refers to unknown answer 'ghost'"]),
    ("{all: [{answer: rating, is: high}, {answer: which, is: three}]}",
     ["'which' has no option 'three'"]),
    ("{answer: rating, is_not: extreme}",
     ["'rating' has no level 'extreme' (expected one of: high, medium, low, none)"]),
    ("{answer: rating, in: [high, extreme]}",
     ["'rating' has no level 'extreme' (expected one of: high, medium, low, none)"]),
    ("{answer: which, includes_any: [one]}", ["'includes_any' needs a multi question, "
                                              "'which' is choice"]),
    ("{answer: which, lt: 3}", ["'lt' needs a number question, 'which' is choice"]),
    ("{answer: signs, includes: nothing}", ["'signs' has no option 'nothing'"]),
], ids=["an unknown answer, then an unknown option", "a rating, then an unknown option",
        "a level no rating has (is_not)", "a level no rating has (in)",
        "includes_any on a choice question", "a comparison on a choice question",
        "an option a multi question does not have"])
def test_a_branch_condition_that_can_never_hold_as_written_is_refused(
        tmp_path: Path, when: str, expected: list[str]) -> None:
    assert problems(tmp_path, {"cond.yaml": CONDITIONS % when}) == [AT + e for e in expected]


@pytest.mark.parametrize("when", ["{answer: years, lt: 18}", "{answer: signs, includes: hurt}",
                                  "{answer: rating, in: [high, low]}"])
def test_a_branch_condition_fit_for_its_question_is_accepted(tmp_path: Path, when: str) -> None:
    (tmp_path / "cond.yaml").write_text(CONDITIONS % when, encoding="utf-8")
    assert set(check(flow_files([tmp_path / "cond.yaml"]))) == {"cond"}


def test_a_question_shown_only_when_a_condition_that_cannot_hold_is_refused(
        tmp_path: Path) -> None:
    flow = CONDITIONS.replace("    kind: number\n", "    kind: number\n"
                              "    relevant: {answer: which, is: three}\n", 1)
    assert problems(tmp_path, {"cond.yaml": flow % "{answer: years, lt: 18}"}) == [
        "cond.yaml:25 node 'years' relevant: 'which' has no option 'three'"]


@pytest.mark.parametrize(("least", "most", "expected"), [
    (2, 1, ["cond.yaml:21 node 'signs' max_selected: is smaller than min_selected"]),
    (1, 1, []),
])
def test_a_multi_question_allowing_fewer_ticks_than_it_requires_is_refused(
        tmp_path: Path, least: int, most: int, expected: list[str]) -> None:
    flow = CONDITIONS.replace("    text: What do you see?\n", "    text: What do you see?\n"
                              f"    min_selected: {least}\n    max_selected: {most}\n", 1)
    (tmp_path / "cond.yaml").write_text(flow % "{answer: years, lt: 18}", encoding="utf-8")
    try:
        check(flow_files([tmp_path / "cond.yaml"]))
        found: list[str] = []
    except FlowError as error:
        found = [str(p) for p in error.problems]
    assert found == expected


def test_an_override_condition_on_an_unknown_answer_is_refused_at_its_when(
        tmp_path: Path) -> None:
    flow = CLAIMS_REFERRED.replace("    refused: done\n", "    refused: done\n    override:\n"
                                   "      when: {answer: ghost, is: high}\n"
                                   "      reasons: {immediate_danger: In danger}\n"
                                   "      next: send\n", 1)
    assert "claims.yaml:23 node 'consent' override.when: refers to unknown answer 'ghost'" in \
        problems(tmp_path, {"claims.yaml": flow})


def _urgent_from(source: str, option: str) -> str:
    """The conditions flow with an urgent step after the age, its categories taken from
    ``source`` (``option`` maps to health)."""
    return (CONDITIONS % "{answer: years, lt: 18}").replace(
        "    text: How old?\n    next: rating\n",
        "    text: How old?\n    next: act\n"
        "  act:\n    type: urgent\n    categories_from:\n"
        f"      answer: {source}\n      map: {{{option}: health}}\n"
        "    text: Get help now.\n    next: rating\n", 1)


@pytest.mark.parametrize(("source", "option", "expected"), [
    ("which", "one", []),
    ("signs", "hurt", []),
    ("years", "one", ["cond.yaml:30 node 'act' categories_from: 'years' must be a choice or "
                      "multi question"]),
    ("which", "three", ["cond.yaml:30 node 'act' categories_from: 'which' has no option "
                        "'three'"]),
    ("ghost", "one", ["cond.yaml:30 node 'act' categories_from: refers to unknown answer "
                      "'ghost'"]),
])
def test_urgent_categories_come_from_a_choice_or_multi_question_and_its_options(
        tmp_path: Path, source: str, option: str, expected: list[str]) -> None:
    (tmp_path / "cond.yaml").write_text(_urgent_from(source, option), encoding="utf-8")
    try:
        check(flow_files([tmp_path / "cond.yaml"]))
        found: list[str] = []
    except FlowError as error:
        found = [str(p) for p in error.problems]
    assert found == expected
