"""What a consent discloses: every field the referrals it opens the way to will carry.

Informed consent means knowing what is shared (CP SOPs: "what information is collected and
how it is used"). So the list is not written by hand beside the script, where it could
promise less than is sent: it is read from the flow. From a consent node, every path on
(by ``next`` or the child-safety override, never ``refused``) is followed up to the next
consent, which speaks for the referrals after it; each refer node met contributes its
envelope, its services question and its contact details, each named by the question's
``shared_as`` label. The checker makes sure every such question has one.

In a conversation the answers given so far are known when the consent is shown, so the list
is the one of the path this person takes, not of every path: a branch whose condition the
answers already decide is followed only if it holds ("who agreed for the child" is never
told to an adult), and a field whose question was not answered before the consent and is
not asked after it is left out, since the referral cannot carry it. A branch that depends
on an answer still to come is followed either way: the list may name a field the person's
answers then leave out, never the other way round.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Any

from bot.flows import conditions
from bot.flows.graph import EXIT, Graph
from bot.flows.model import (
    OVERRIDE_ANSWER,
    AllOf,
    AnyOf,
    AskNode,
    Condition,
    ConsentNode,
    Not,
    ReferNode,
    RiskNode,
    SayNode,
    Text,
)


@dataclass(frozen=True)
class Disclosed:
    """One field a referral carries: the question it comes from and how it is named."""

    question: str
    label: Text
    #: Contact details: released only to the agency that accepts the referral.
    contact: bool


def _settled(condition: Condition, answers: Mapping[str, Any],
             ahead: Set[str]) -> bool | None:
    """What the answers given already make of the condition: true or false, or None while it
    depends on an answer still to come. A test is settled when its answer is given, or is not
    given and nothing ahead can give it; "all" is false once one part is, "any" true once
    one part is, whatever the others will be."""
    if isinstance(condition, AllOf | AnyOf):
        parts = [_settled(item, answers, ahead) for item in condition.items]
        deciding = isinstance(condition, AnyOf)  # the value one part settles the whole to
        if deciding in parts:
            return deciding
        return None if None in parts else not deciding
    if isinstance(condition, Not):
        inner = _settled(condition.item, answers, ahead)
        return None if inner is None else not inner
    if condition.answer in answers or condition.answer not in ahead:
        return conditions.evaluate(condition, answers)
    return None


def _onward(graph: Graph, qid: str, answers: Mapping[str, Any] | None,
            ahead: Set[str]) -> Iterator[str]:
    """Where the path may go from ``qid``: a branch the answers already decide is followed
    only if it holds, and the branches after the first that holds are never taken."""
    node = graph.nodes[qid]
    arms = node.next if isinstance(node, AskNode | SayNode | RiskNode) else ()
    for label, dest in graph.edges[qid]:
        head, _, index = label.partition(".")
        if answers is None or head != "next" or not index:
            yield dest
            continue
        when = arms[int(index)].when
        settled = None if when is None else _settled(when, answers, ahead)
        if settled is None:
            yield dest
        elif settled:
            yield dest
            return


def _walk(graph: Graph, consent: str, answers: Mapping[str, Any] | None,
          ahead: Set[str] = frozenset()) -> tuple[list[str], set[str]]:
    """(the refer nodes, every node) reachable from ``consent`` before any other consent."""
    node = graph.nodes[consent]
    assert isinstance(node, ConsentNode)
    starts = [dest for label, dest in graph.edges[consent] if label != "refused"]
    seen = set(starts)
    queue = deque(starts)
    found = []
    while queue:
        qid = queue.popleft()
        if qid == EXIT or isinstance(graph.nodes[qid], ConsentNode):
            continue
        if isinstance(graph.nodes[qid], ReferNode):
            found.append(qid)
        for dest in _onward(graph, qid, answers, ahead):
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return found, seen


def _path(graph: Graph, consent: str, answers: Mapping[str, Any] | None,
          ) -> tuple[list[str], set[str]]:
    """The refer nodes and nodes after ``consent`` on the paths ``answers`` still allow."""
    if answers is None:
        return _walk(graph, consent, None)
    _, anywhere = _walk(graph, consent, None)
    # What may still be answered after this consent: the questions and ratings ahead, and
    # the child-safety override's reason if this consent offers the override.
    ahead = {graph.nodes[qid].id for qid in anywhere
             if qid != EXIT and isinstance(graph.nodes[qid], AskNode | RiskNode)}
    # Every consent records the override's reason afresh (or clears it): an earlier one's
    # says nothing of this one.
    answers = {k: v for k, v in answers.items() if k != OVERRIDE_ANSWER}
    node = graph.nodes[consent]
    if isinstance(node, ConsentNode) and _may_override(node, answers, ahead):
        ahead.add(OVERRIDE_ANSWER)
    return _walk(graph, consent, answers, ahead)


def _may_override(node: ConsentNode, answers: Mapping[str, Any], ahead: Set[str]) -> bool:
    """Whether this consent may still be overridden: it offers the override, and the
    override's condition holds on the answers given or depends on one still to come (the
    engine offers it only while the condition holds, and the answers it tests are given
    before the consent in the shipped flows, so a child rated 'none' is never told of the
    referral only the override makes)."""
    override = node.override
    if override is None:
        return False
    if override.when is None:
        return True
    return _settled(override.when, answers, ahead) is not False


def referrals_after(graph: Graph, consent: str,
                    answers: Mapping[str, Any] | None = None) -> list[str]:
    """The refer nodes reachable from ``consent`` before any other consent, in path order;
    with ``answers``, only on the paths those answers still allow."""
    return _path(graph, consent, answers)[0]


def question_of(graph: Graph, refer: str, answer: str) -> AskNode | None:
    """The question a refer node's field names: the one of the refer node's own flow if it
    asks it, else the first in the flattened flow (an included flow's question)."""
    own = graph.origin[refer].nodes.get(answer)
    if isinstance(own, AskNode):
        return own
    for node in graph.nodes.values():
        if isinstance(node, AskNode) and node.records(answer):
            return node
    return None


def fields_of(node: ReferNode) -> list[tuple[str, bool]]:
    """(answer, is contact) for everything a refer node sends, envelope first."""
    shared = [*node.envelope, *([node.services] if node.services else [])]
    return [(name, False) for name in shared] + [(name, True) for name in node.contact]


def disclosed_after(graph: Graph, consent: str,
                    answers: Mapping[str, Any] | None = None) -> tuple[Disclosed, ...]:
    """Every field the referrals after ``consent`` carry, once each, in the order sent; with
    ``answers`` (a conversation's, so far), only what the path they allow can carry."""
    result: list[Disclosed] = []
    seen: set[str] = set()
    said: set[tuple[str, bool]] = set()  # two questions with one label are one thing to say
    refers, ahead = _path(graph, consent, answers)
    asked_ahead = {graph.nodes[qid].id for qid in ahead
                   if qid != EXIT and isinstance(graph.nodes[qid], AskNode)}
    for refer in refers:
        node = graph.nodes[refer]
        assert isinstance(node, ReferNode)
        for name, contact in fields_of(node):
            question = question_of(graph, refer, name)
            if name in seen or question is None:
                continue
            if answers is not None and name not in answers and name not in asked_ahead:
                continue  # never answered on this path: the referral cannot carry it
            seen.add(name)
            label = question.shared_as if question.shared_as is not None else question.text
            if (label.msgid, contact) in said:
                continue
            said.add((label.msgid, contact))
            result.append(Disclosed(name, label, contact))
    return tuple(result)
