"""The checker as a whole: what passes, how problems are reported, and all-or-nothing loads."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.flows.library import BUNDLED, FlowLibrary, check, flow_files
from bot.flows.model import AskNode, SayNode
from bot.flows.problems import FlowError, Problem

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken"
VALID = HERE / "valid"


def test_the_shipped_flows_pass_the_checker() -> None:
    flows = check(flow_files([BUNDLED]))
    assert sorted(flows) == ["child", "child_pathway", "gbv", "gbv_referral", "intake", "pwsn",
                            "urgent_screen", "where"]


def test_a_valid_flow_is_returned_by_the_checker() -> None:
    flows = check(flow_files([VALID / "greeting.yaml"]))
    assert list(flows) == ["greeting"]
    assert list(flows["greeting"].nodes) == ["hello", "done"]


def test_a_version_1_flow_is_migrated_and_loads() -> None:
    flows = check(flow_files([VALID / "spec_v1.yaml"]))
    hello = flows["old_greeting"].nodes["hello"]
    assert isinstance(hello, SayNode)
    assert hello.where.line == 9


ADULT = """\
spec_version: 2
id: adult
revision: 1
title: Adult
languages: [en]
start: adult
nodes:
  adult:
    type: ask
    kind: choice
    collects: routing
    text: 18 or older?
    options: {yes: "Yes", no: "No"}
    next:
      - {when: {answer: adult, is: no}, goto: done}
      - goto: done
  done: {type: end, outcome: info_only, text: Bye}
"""


def test_yes_and_no_stay_words_and_do_not_become_booleans(tmp_path: Path) -> None:
    path = tmp_path / "adult.yaml"
    path.write_text(ADULT, encoding="utf-8")
    adult = check([path])["adult"].nodes["adult"]
    assert isinstance(adult, AskNode)
    assert [option.id for option in adult.options] == ["yes", "no"]


def test_problems_are_sorted_and_deduplicated() -> None:
    late = Problem("b.yaml", 3, "x", "next", "unknown node 'y'")
    early = Problem("a.yaml", 9, "", "id", "bad")
    assert FlowError([late, early, late]).problems == [early, late]


def test_problems_of_several_files_come_sorted_by_file_and_line() -> None:
    with pytest.raises(FlowError) as raised:
        check([BROKEN / "yaml_syntax_error.yaml", BROKEN / "unknown_node_field.yaml",
               BROKEN / "bad_flow_id.yaml"])
    assert [(p.file, p.line) for p in raised.value.problems] == [
        ("bad_flow_id.yaml", 2), ("unknown_node_field.yaml", 11), ("yaml_syntax_error.yaml", 5),
    ]


def test_a_subflow_problem_seen_through_several_includers_is_reported_once(
        tmp_path: Path) -> None:
    shutil.copytree(BROKEN / "include_missing_input", tmp_path, dirs_exist_ok=True)
    details = tmp_path / "details.yaml"
    details.write_text(details.read_text(encoding="utf-8").replace(
        "inputs: [hub]\n", "").replace(
        "    next: back\n",
        "    next: phone\n  phone:\n    type: ask\n    kind: text\n    sensitive: true\n"
        "    collects: contact\n    text: Phone number\n    next: back\n"), encoding="utf-8")
    for name in ("main", "second"):
        (tmp_path / f"{name}.yaml").write_text(
            (BROKEN / "include_missing_input" / "main.yaml").read_text(encoding="utf-8")
            .replace("id: main", f"id: {name}"), encoding="utf-8")
    with pytest.raises(FlowError) as raised:
        check(flow_files([tmp_path]))
    assert [str(p) for p in raised.value.problems] == [
        "details.yaml:16 node 'phone' sensitive: a sensitive question is asked before "
        "consent: check → phone",
    ]


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    for path in flow_files([BUNDLED]):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _raise_revision(path: Path) -> int:
    """Raise a flow's revision by one; returns the old one."""
    text = path.read_text(encoding="utf-8")
    old = int(re.search(r"^revision: (\d+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    _edit(path, f"revision: {old}\n", f"revision: {old + 1}\n")
    return old


def _new_gbv_revision(folder: Path) -> int:
    """Edit a text of gbv, raising its revision and those of the flows that include it
    (intake, and child for its adult entry); returns gbv's old revision."""
    _edit(folder / "gbv.yaml", "Listen and believe.", "Listen, and believe.")
    _raise_revision(folder / "intake.yaml")
    _raise_revision(folder / "child.yaml")
    return _raise_revision(folder / "gbv.yaml")


def test_a_broken_set_is_not_half_loaded(shipped: Path) -> None:
    library = FlowLibrary.load([shipped])
    before = {flow_id: library.current(flow_id) for flow_id in library.flows}
    old = _new_gbv_revision(shipped)  # a good new revision...
    _edit(shipped / "pwsn.yaml", "next: low_end", "next: low_ending")  # ...beside a broken file
    with pytest.raises(FlowError) as raised:
        library.publish([shipped])
    line = (shipped / "pwsn.yaml").read_text(encoding="utf-8").splitlines().index(
        "    next: low_ending") + 1
    assert [str(p) for p in raised.value.problems] == [
        f"pwsn.yaml:{line} node 'low_info' next: unknown node 'low_ending'",
    ]
    assert {flow_id: library.current(flow_id) for flow_id in library.flows} == before
    assert library.current("gbv").flow.revision == old
    with pytest.raises(KeyError):
        library.revision("gbv", old + 1)


def test_a_good_set_replaces_the_current_flows(shipped: Path) -> None:
    library = FlowLibrary.load([shipped])
    old = _new_gbv_revision(shipped)
    assert library.publish([shipped]) == ["child", "gbv", "intake"]
    assert library.current("gbv").flow.revision == old + 1
    assert library.revision("gbv", old).flow.revision == old


def test_the_override_answer_is_known_only_where_a_consent_offers_the_override(
        shipped: Path) -> None:
    # the urgent screen (and nothing it includes) has no child-safety override, so no branch
    # of it may route on one
    _edit(shipped / "urgent_screen.yaml",
          "      - {when: {answer: note_reach, is: phone}, goto: note_phone}\n",
          "      - {when: {answer: child_safety_override, answered: true}, goto: note_phone}\n"
          "      - {when: {answer: note_reach, is: phone}, goto: note_phone}\n")
    with pytest.raises(FlowError) as raised:
        check(flow_files([shipped]))
    assert [p.message for p in raised.value.problems] == [
        "refers to unknown answer 'child_safety_override'"]
