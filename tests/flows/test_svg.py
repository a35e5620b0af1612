"""Every shipped flow draws as a well-formed SVG diagram with a title and description, one
labelled box per node, none overlapping, arrows labelled by their condition (the labels
never covering each other), include boxes linking to the included flow, and every text
escaped; the list beside it says the same."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from bot.flows.library import BUNDLED, FlowLibrary, Source, parse_sources
from bot.flows.model import Flow
from bot.flows.svg import URGENT_ENTRY, draw, steps_of

SVG = "{http://www.w3.org/2000/svg}"
SHIPPED = FlowLibrary.load([BUNDLED]).flows


def _boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for group in root.iter(f"{SVG}g"):
        if "box" in (group.get("class") or "").split():
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            found[group.get("id", "").removeprefix("node-")] = tuple(
                float(rect.get(name, "0")) for name in ("x", "y", "width", "height"))
    return found  # type: ignore[return-value]


@pytest.mark.parametrize("flow_id", sorted(SHIPPED))
def test_a_shipped_flow_draws_one_box_per_node_inside_the_drawing_none_overlapping(
        flow_id: str) -> None:
    flow = SHIPPED[flow_id]
    diagram = draw(flow)
    root = ET.fromstring(diagram.svg)
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == f"Diagram of the flow {flow_id}"
    assert "boxes joined by" in (root.findtext(f"{SVG}desc") or "")
    boxes = _boxes(root)
    expected = set(flow.nodes) | ({URGENT_ENTRY} if flow.urgent else set())
    assert set(boxes) == expected
    for x, y, width, height in boxes.values():
        assert x >= 0 and x + width <= diagram.width
        assert y >= 0 and y + height <= diagram.height
    for (a, (ax, ay, aw, ah)), (b, (bx, by, bw, bh)) in itertools.combinations(
            boxes.items(), 2):
        apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
        assert apart, f"{a} and {b} overlap"


ENTRY = """\
spec_version: 2
id: entry
title: Entry for the diagram test
languages: [en]
start: hello
urgent: danger/first
nodes:
  hello:
    type: say
    text: Hello.
    next: situation
  situation:
    type: ask
    kind: choice
    collects: routing
    text: Who are you helping?
    options:
      adult: An adult
      child: A child
    invalid: no_answer
    next:
      - {when: {answer: situation, is: child}, goto: child_end}
      - goto: age
  age:
    type: ask
    kind: number
    collects: demographic
    text: How old?
    invalid: no_answer
    next: adult_end
  danger:
    type: include
    flow: sub
    next: situation
  child_end:
    type: end
    outcome: info_only
    text: Child.
  adult_end:
    type: end
    outcome: info_only
    text: Adult.
  no_answer:
    type: end
    outcome: cancelled
    text: No answer.
"""
SUB = """\
spec_version: 2
id: sub
title: Sub for the diagram test
kind: subflow
languages: [en]
start: first
nodes:
  first:
    type: ask
    kind: choice
    collects: need
    text: Danger now?
    options:
      yes: Yes
      no: No
    invalid: back
    next: back
  back:
    type: return
"""


def _entry(text: str = ENTRY) -> Flow:
    return parse_sources([Source("entry.yaml", text), Source("sub.yaml", SUB)]).flows["entry"]


def test_arrows_are_labelled_by_the_answer_or_condition_that_takes_them() -> None:
    svg = draw(_entry()).svg
    assert ">situation = child</text>" in svg
    assert ">otherwise</text>" in svg


def test_fallbacks_to_a_shared_ending_are_tags_not_arrows_across_the_drawing() -> None:
    svg = draw(_entry()).svg
    assert svg.count(">no valid answer → no_answer</text>") == 2
    assert svg.count('<a href="#node-no_answer" class="stub">') == 2
    sub = draw(parse_sources([Source("sub.yaml", SUB)]).flows["sub"]).svg
    assert ">no valid answer</text>" in sub  # a single fallback stays an arrow


def test_the_start_is_marked_and_includes_link_to_their_flow() -> None:
    diagram = draw(_entry(), link=lambda fid: f"/console/flows/{fid}")
    assert '<g class="box say start" id="node-hello">' in diagram.svg
    assert '<a href="/console/flows/sub">' in diagram.svg
    [step] = [s for s in diagram.steps if s.id == "danger"]
    assert (step.kind, step.text, step.link) == ("include", "sub", "/console/flows/sub")


def test_the_steps_say_in_words_what_the_drawing_shows() -> None:
    steps = {step.id: step for step in steps_of(_entry())}
    assert list(steps) == [URGENT_ENTRY, "hello", "situation", "age", "danger", "child_end",
                           "adult_end", "no_answer"]
    assert [(e.label, e.target) for e in steps[URGENT_ENTRY].exits] == [("", "danger")]
    situation = steps["situation"]
    assert (situation.kind_words, situation.text, situation.start) == (
        "question", "Who are you helping?", False)
    assert [(e.label, e.target, e.fallback) for e in situation.exits] == [
        ("situation = child", "child_end", False), ("otherwise", "age", False),
        ("no valid answer", "no_answer", True)]
    assert steps["hello"].start
    assert steps["no_answer"].text == "cancelled: No answer."


def test_texts_and_words_can_be_shown_in_another_language() -> None:
    diagram = draw(_entry(), translate=lambda text: f"«{text.msgid}»",
                   words=lambda word: word.upper(), rtl=True)
    assert "«Who are you helping?»" in diagram.svg
    assert ">QUESTION</text>" in diagram.svg
    assert 'direction="rtl"' in diagram.svg


def test_every_text_is_escaped() -> None:
    flow = _entry(ENTRY.replace("Who are you helping?", "<script>alert(1)</script> & co"))
    svg = draw(flow).svg
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    ET.fromstring(svg)  # still well-formed


def _label_boxes(svg: str) -> list[tuple[float, float, float]]:
    """(x, y, width) of every edge label's background."""
    return [(float(x), float(y), float(w)) for x, y, w in re.findall(
        r'<rect class="halo" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="16"', svg)]


@pytest.mark.parametrize("flow_id", sorted(SHIPPED))
def test_the_words_on_arrows_never_cover_each_other(flow_id: str) -> None:
    diagram = draw(SHIPPED[flow_id])
    root = ET.fromstring(diagram.svg)
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "labels":
            continue
        spots = _label_boxes(ET.tostring(group, encoding="unicode").replace("ns0:", ""))
        for (ax, ay, aw), (bx, by, bw) in itertools.combinations(spots, 2):
            same_line = abs(ay - by) < 16
            assert not (same_line and ax < bx + bw and bx < ax + aw), (ax, ay, bx, by)


def test_a_key_starts_every_id_so_two_diagrams_can_share_a_page() -> None:
    first, second = draw(_entry(), key="a-").svg, draw(_entry(), key="b-").svg
    ids = [set(re.findall(r'id="([^"]+)"', svg)) for svg in (first, second)]
    assert ids[0] and not ids[0] & ids[1]
    assert all(i.startswith("a-") for i in ids[0])
    assert 'aria-labelledby="a-diagram-title a-diagram-desc"' in first
    assert 'marker-end="url(#a-arrow)"' in first and 'href="#a-node-no_answer"' in first
