"""The person's needs as case types, for an intake that ends without a referral.

An intake may end with no referral: the person is not eligible, refused consent, or is at
low risk and wants information only. The SOPs still ask that they be told where to go
(PwSN SOPs: "provide information on available services"; Annex E: "tell the child/family
how to get help later"). The directory maps services to case types, so the host needs the
case types the conversation could still have referred to, from where it stood:

* the refer nodes of its pathway reachable from that node, following only the branches
  the answers given so far allow (an adult survivor is never routed by the child branch; a
  branch that depends on an answer not given yet stays possible, unless nothing ahead can
  give it: a child's rating, or the child-safety override, never asked of an adult);
* of each, the case types whose condition holds on those answers (the needs chosen), or,
  if none holds yet, every case type it could still send.

Pure: no directory, no storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from bot.flows import conditions
from bot.flows.compiled import CompiledFlow
from bot.flows.model import (
    OVERRIDE_ANSWER,
    AskNode,
    Branch,
    Condition,
    ConsentNode,
    ReferNode,
    RiskNode,
)


def _decided(condition: Condition, answers: Mapping[str, Any],
             ahead: Set[str] | None = None) -> bool | None:
    """True or False once every answer it tests was given (or, with ``ahead``, can no longer
    be given); None while one may still come."""
    if any(test.answer not in answers and (ahead is None or test.answer in ahead)
           for test in conditions.tests(condition)):
        return None
    return conditions.evaluate(condition, answers)


def _ahead(flow: CompiledFlow, state: str) -> set[str]:
    """The answers some node reachable from ``state`` may still record."""
    graph, found = flow.graph, set()
    seen, queue = {state}, [state]
    while queue:
        qid = queue.pop(0)
        node = graph.nodes.get(qid)
        if isinstance(node, AskNode | RiskNode):
            found.add(node.id)
        if isinstance(node, ConsentNode) and node.override is not None:
            found.add(OVERRIDE_ANSWER)
        for _, dest in graph.edges.get(qid, ()):
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return found


def _taken(branches: tuple[Branch, ...], answers: Mapping[str, Any],
           ahead: Set[str] | None = None) -> list[int]:
    """The branches a conversation may still take, in order; the first certain one ends it."""
    taken = []
    for index, branch in enumerate(branches):
        decided = True if branch.when is None else _decided(branch.when, answers, ahead)
        if decided is False:
            continue
        taken.append(index)
        if decided:
            break
    return taken


def _reachable_referrals(flow: CompiledFlow, state: str,
                         answers: Mapping[str, Any]) -> list[ReferNode]:
    """Refer nodes of the pathway ``state`` is in (the same inclusion: a pathway it hands on
    to, such as the child pathway for a person found to be under 18, is another pathway)."""
    graph, found = flow.graph, []
    ahead = _ahead(flow, state)
    prefix = state[:state.rfind("/") + 1]
    seen, queue = {state}, [state]
    while queue:
        qid = queue.pop(0)
        node = graph.nodes.get(qid)
        if isinstance(node, ReferNode) and qid.startswith(prefix) \
                and "/" not in qid[len(prefix):]:
            found.append(node)
        branches = getattr(node, "next", None)
        allowed = (set(_taken(branches, answers, ahead)) if isinstance(branches, tuple)
                   and all(isinstance(b, Branch) for b in branches) else None)
        for label, dest in graph.edges.get(qid, ()):
            if label == "invalid":
                continue  # giving up on a question is not a way to a need
            if allowed is not None and label.startswith("next.") \
                    and int(label.split(".")[1]) not in allowed:
                continue
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return found


def pathway_case_types(flow: CompiledFlow, state: str,
                       answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Case types for the needs of a conversation that rested on ``state``; () if no
    referral can be reached from there."""
    result: list[str] = []
    for refer in _reachable_referrals(flow, state, answers):
        held, possible = [], []
        for rule in refer.case_type:
            decided = None if rule.when is None else _decided(rule.when, answers)
            if decided:
                held.append(rule.value)
            elif decided is None:
                possible.append(rule.value)
        result.extend(held or possible)
    return tuple(dict.fromkeys(result))
