"""A flow written out as a coordinator reads it: questions, options and rules, one per line.

``intake flows show`` prints it and ``intake flows diff`` compares two revisions line by
line, so a change reads as "option gbv removed" or "a rule now says red ≥ 1", not as a diff of
YAML. Conditions are worded here too (:func:`condition_text`), for the graph's branch labels.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.flows.graph import EXIT, Graph
from bot.flows.model import (
    AllOf,
    AnswerTest,
    AnyOf,
    AskNode,
    Branch,
    Condition,
    ConsentNode,
    EndNode,
    IncludeNode,
    ReferNode,
    RiskNode,
    SayNode,
    Text,
    UrgentNode,
)
from bot.i18n.texts import N_

#: How a text is shown: its English msgid by default, or a translation (``--lang``).
Translate = Callable[[Text], str]
#: How the words of the graph itself ("otherwise") are shown: as written, or translated.
Words = Callable[[str], str]

OTHERWISE = N_("otherwise")
NO_VALID_ANSWER = N_("no valid answer")
CONSENT_REFUSED = N_("consent refused")
OVERRIDE = N_("consent overridden")

_SIGNS = {"is": "=", "is_not": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥",
          "in": "is one of", "includes": "includes", "includes_any": "includes any of"}


def _value(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def condition_text(condition: Condition) -> str:
    """``situation = pwsn``, ``urgent includes none``, ``not (age < 18)``."""
    if isinstance(condition, AnswerTest):
        if condition.op == "answered":
            return f"{condition.answer} {'answered' if condition.value else 'not answered'}"
        return f"{condition.answer} {_SIGNS[condition.op]} {_value(condition.value)}"
    if isinstance(condition, AllOf | AnyOf):
        joint = " and " if isinstance(condition, AllOf) else " or "
        return joint.join(f"({condition_text(item)})" if isinstance(item, AllOf | AnyOf)
                          else condition_text(item) for item in condition.items)
    return f"not ({condition_text(condition.item)})"


def range_text(name: str, low: int, high: int | None) -> str:
    """A risk rule's count range: ``red ≥ 1``, ``amber = 0``, ``amber 1–2``."""
    if high is None:
        return f"{name} ≥ {low}"
    if low == high:
        return f"{name} = {low}"
    return f"{name} {low}–{high}"


def branch_labels(branches: tuple[Branch, ...], words: Words = str) -> list[str]:
    """The words for each branch of a ``next`` list, in order; "otherwise" for the last
    unconditional one, "" when there is just one way on."""
    if len(branches) == 1 and branches[0].when is None:
        return [""]
    return [condition_text(b.when) if b.when is not None else words(OTHERWISE)
            for b in branches]


def edge_labels(node: object, words: Words = str) -> dict[str, str]:
    """Edge label (``next.0``, ``refused``) to the words a reader sees."""
    branches = getattr(node, "next", None)
    labels: dict[str, str] = {"next": ""}
    if isinstance(branches, tuple):
        said = branch_labels(branches, words)
        if len(said) > 1 or said[0]:
            labels.update({f"next.{i}": word for i, word in enumerate(said)})
    labels.update({"invalid": words(NO_VALID_ANSWER), "refused": words(CONSENT_REFUSED),
                   "override": words(OVERRIDE)})
    return labels


def _where(dest: str) -> str:
    return "return" if dest == EXIT else dest


def outline(graph: Graph, translate: Translate | None = None) -> list[str]:
    """Every node of a flattened flow in order, with what it asks and where it leads."""
    show: Translate = translate or (lambda text: text.msgid)
    lines = [f"flow {graph.root.id} revision {graph.root.revision}: {show(graph.root.title)}",
             f"start: {graph.start}"]
    for qid, node in graph.nodes.items():
        if isinstance(node, AskNode):
            extra = " (sensitive)" if node.sensitive else ""
            lines.append(f"{qid}: ask {node.kind}{extra}: {show(node.text)}")
            lines.extend(f"{qid}:   option {o.id}: {show(o.label)}"
                         + (" (exclusive)" if o.exclusive else "")
                         + (f" (offered only if {condition_text(o.relevant)})"
                            if o.relevant is not None else "") for o in node.options)
            if node.relevant is not None:
                lines.append(f"{qid}:   asked only if {condition_text(node.relevant)}")
            if node.adds_up_as is not None:
                lines.append(f"{qid}:   every option ticked at any time kept as "
                             f"{node.adds_up_as}")
        elif isinstance(node, SayNode):
            lines.append(f"{qid}: say to {node.audience}: {show(node.text)}")
            if node.relevant is not None:
                lines.append(f"{qid}:   said only if {condition_text(node.relevant)}")
        elif isinstance(node, ConsentNode):
            lines.append(f"{qid}: consent for {', '.join(node.scopes)} (required: "
                         f"{', '.join(node.required)}): {show(node.script)}")
        elif isinstance(node, RiskNode):
            lines.append(f"{qid}: risk rating")
            for counter in node.counters:
                lines.append(f"{qid}:   count {counter.name}: {', '.join(counter.options)} "
                             f"in {', '.join(counter.answers)}")
            for rule in node.rules:
                ranges = ", ".join(range_text(n, lo, hi) for n, (lo, hi) in rule.ranges.items())
                lines.append(f"{qid}:   rule {ranges} → {rule.level}")
        elif isinstance(node, UrgentNode):
            lines.append(f"{qid}: urgent action ({', '.join(node.categories) or 'from answers'})"
                         f": {show(node.text)}")
        elif isinstance(node, ReferNode):
            types = ", ".join(f"{r.value} if {condition_text(r.when)}" if r.when else r.value
                              for r in node.case_type)
            lines.append(f"{qid}: refer as {types}; shares {', '.join(node.envelope)}")
        elif isinstance(node, EndNode):
            lines.append(f"{qid}: end ({node.outcome}): {show(node.text)}")
        elif isinstance(node, IncludeNode):  # pragma: no cover - flattened away
            continue
        words = edge_labels(node)
        for label, dest in graph.edges.get(qid, []):
            word = words.get(label, label)
            if label.startswith("next.") and word != OTHERWISE:
                word = f"if {word}"
            lines.append(f"{qid}:   {word + ' ' if word else ''}→ {_where(dest)}")
    return lines
