"""The child-safety override is narrow, and the checker proves it.

The CP template SOPs allow no referral "without explicit consent/permission, except in case
of an immediate safety or security risk to the child (consult child protection focal point
to determine the child's best interest)". So a consent node's ``override`` must:

* carry ``when:``, a condition that can only hold when the case is rated **high** (a risk
  node's level) or an urgent **safety** or **interim-care** concern was ticked (an option an
  urgent node maps to ``safety`` or ``interim_care``); the engine offers the override only
  while it holds, so it is unreachable otherwise;
* give reasons from a closed list, each tied to immediate risk (:data:`REASONS`).

The proof is syntactic and sound: a test on the rating implies "high" only if every level it
admits is high; ``includes``/``includes_any`` imply an urgent concern only if every option it
names is one; ``all`` needs one such item, ``any`` needs all of them, ``not`` never counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.flows.model import (
    AllOf,
    AnswerTest,
    AnyOf,
    Condition,
    ConsentNode,
    Flow,
    IncludeNode,
    RiskNode,
    UrgentNode,
)
from bot.flows.problems import Problem
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: The closed list of override reasons; each names an immediate risk to the child.
REASONS = ("immediate_danger", "harm_by_caregiver", "no_safe_adult")
#: Urgent categories that make the override available.
URGENT_CATEGORIES = ("safety", "interim_care")


def _flows(flow: Flow, flows: Mapping[str, Flow], seen: frozenset[str] = frozenset(),
           ) -> Iterator[Flow]:
    """The flow and every flow it includes."""
    yield flow
    for node in flow.nodes.values():
        if isinstance(node, IncludeNode) and node.flow in flows and node.flow not in seen:
            yield from _flows(flows[node.flow], flows, seen | {flow.id})


def urgent_options(flow: Flow, flows: Mapping[str, Flow]) -> dict[str, set[str]]:
    """answer id → options an urgent node of the flow (or its includes) maps to a safety or
    interim-care category."""
    found: dict[str, set[str]] = {}
    for each in _flows(flow, flows):
        for node in each.nodes.values():
            if isinstance(node, UrgentNode) and node.categories_from:
                found.setdefault(node.categories_from, set()).update(
                    option for option, category in node.category_map.items()
                    if category in URGENT_CATEGORIES)
    return found


def rating_ids(flow: Flow, flows: Mapping[str, Flow]) -> set[str]:
    return {node.id for each in _flows(flow, flows) for node in each.nodes.values()
            if isinstance(node, RiskNode)}


def implies_immediate_risk(condition: Condition, ratings: set[str],
                           urgent: Mapping[str, set[str]]) -> bool:
    """Whether the condition can hold only when the rating is high or an urgent safety or
    interim-care concern was ticked."""
    if isinstance(condition, AllOf):
        return any(implies_immediate_risk(c, ratings, urgent) for c in condition.items)
    if isinstance(condition, AnyOf):
        return all(implies_immediate_risk(c, ratings, urgent) for c in condition.items)
    if not isinstance(condition, AnswerTest):
        return False
    values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    values = tuple(str(v) for v in values)
    if condition.answer in ratings and condition.op in ("is", "in"):
        return bool(values) and all(v == "high" for v in values)
    if condition.answer in urgent and condition.op in ("includes", "includes_any"):
        return bool(values) and all(v in urgent[condition.answer] for v in values)
    return False


def problems(flow: Flow, flows: Mapping[str, Flow]) -> list[Problem]:
    """Every override in ``flow`` that is not provably narrow."""
    found: list[Problem] = []
    ratings = rating_ids(flow, flows)
    urgent = urgent_options(flow, flows)
    for node in flow.nodes.values():
        if not isinstance(node, ConsentNode) or node.override is None:
            continue
        override = node.override
        for reason in override.reasons:
            if reason.id not in REASONS:
                found.append(Problem(flow.file, reason.label.line, node.id, "override.reasons",
                                     Phrase(N_("'%(reason)s' is not an override reason; use "
                                               "one of: %(choices)s (each an immediate "
                                               "risk)"), reason=reason.id,
                                            choices=", ".join(REASONS))))
        if override.when is None:
            found.append(Problem(flow.file, override.line, node.id, "override.when",
                                 Phrase(N_("the child-safety override needs 'when': a "
                                           "condition that holds only when the risk is high "
                                           "or an urgent safety or interim-care concern was "
                                           "ticked"))))
        elif not implies_immediate_risk(override.when, ratings, urgent):
            found.append(Problem(flow.file, override.when.line, node.id, "override.when",
                                 Phrase(N_("this condition can hold without an immediate "
                                           "risk: test a rating for 'high' or an urgent "
                                           "answer for options its urgent node maps to "
                                           "safety or interim_care"))))
    return found
