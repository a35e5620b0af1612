"""What a consent discloses: every field the referrals it opens the way to will carry.

Informed consent means knowing what is shared (CP SOPs: "what information is collected and
how it is used"). So the list is not written by hand beside the script, where it could
promise less than is sent: it is read from the flow. From a consent node, every path on
(by ``next`` or the child-safety override, never ``refused``) is followed up to the next
consent, which speaks for the referrals after it; each refer node met contributes its
envelope, its services question and its contact details, each named by the question's
``shared_as`` label. The checker makes sure every such question has one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.flows.graph import EXIT, Graph
from bot.flows.model import AskNode, ConsentNode, ReferNode, Text


@dataclass(frozen=True)
class Disclosed:
    """One field a referral carries: the question it comes from and how it is named."""

    question: str
    label: Text
    #: Contact details: released only to the agency that accepts the referral.
    contact: bool


def referrals_after(graph: Graph, consent: str) -> list[str]:
    """The refer nodes reachable from ``consent`` before any other consent, in path order."""
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
        for _, dest in graph.edges[qid]:
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return found


def question_of(graph: Graph, refer: str, answer: str) -> AskNode | None:
    """The question a refer node's field names: the one of the refer node's own flow if it
    asks it, else the first in the flattened flow (an included flow's question)."""
    own = graph.origin[refer].nodes.get(answer)
    if isinstance(own, AskNode):
        return own
    for node in graph.nodes.values():
        if isinstance(node, AskNode) and node.id == answer:
            return node
    return None


def fields_of(node: ReferNode) -> list[tuple[str, bool]]:
    """(answer, is contact) for everything a refer node sends, envelope first."""
    shared = [*node.envelope, *([node.services] if node.services else [])]
    return [(name, False) for name in shared] + [(name, True) for name in node.contact]


def disclosed_after(graph: Graph, consent: str) -> tuple[Disclosed, ...]:
    """Every field the referrals after ``consent`` carry, once each, in the order sent."""
    result: list[Disclosed] = []
    seen: set[str] = set()
    said: set[tuple[str, bool]] = set()  # two questions with one label are one thing to say
    for refer in referrals_after(graph, consent):
        node = graph.nodes[refer]
        assert isinstance(node, ReferNode)
        for name, contact in fields_of(node):
            question = question_of(graph, refer, name)
            if name in seen or question is None:
                continue
            seen.add(name)
            label = question.shared_as if question.shared_as is not None else question.text
            if (label.msgid, contact) in said:
                continue
            said.add((label.msgid, contact))
            result.append(Disclosed(name, label, contact))
    return tuple(result)
