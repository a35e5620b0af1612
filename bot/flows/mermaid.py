"""Mermaid text of a flattened flow, for SOP annexes and reviews.

Branches are labelled by their condition ("situation = pwsn", "red ≥ 1"), and the texts can
be drawn in any language the flow is translated into (annexes are printed in Arabic and
Turkish too)."""

from __future__ import annotations

import re

from bot.flows.graph import EXIT, Graph
from bot.flows.model import (
    AskNode,
    ConsentNode,
    EndNode,
    ReferNode,
    RiskNode,
    SayNode,
    UrgentNode,
)
from bot.flows.outline import Translate, Words, edge_labels

_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _id(qid: str) -> str:
    return "n_" + _SAFE.sub("_", qid)


def _label(text: str) -> str:
    short = text if len(text) <= 48 else text[:45] + "..."
    return short.replace('"', "'")


def to_mermaid(graph: Graph, translate: Translate | None = None, words: Words = str) -> str:
    """``translate`` shows a flow text (default: its English msgid), ``words`` the graph's
    own words ("otherwise")."""
    show: Translate = translate or (lambda text: text.msgid)
    lines = ["flowchart TD"]
    for qid, node in graph.nodes.items():
        ident = _id(qid)
        if isinstance(node, AskNode):
            lines.append(f'  {ident}["{_label(show(node.text))}"]')
        elif isinstance(node, ConsentNode):
            lines.append(f'  {ident}{{{{"consent: {"+".join(node.required)}"}}}}')
        elif isinstance(node, RiskNode):
            lines.append(f'  {ident}{{"risk rating"}}')
        elif isinstance(node, UrgentNode):
            lines.append(f'  {ident}[/"URGENT: {"+".join(node.categories) or "from answers"}"/]')
        elif isinstance(node, ReferNode):
            lines.append(f'  {ident}[["refer"]]')
        elif isinstance(node, EndNode):
            lines.append(f'  {ident}(["end: {node.outcome}"])')
        elif isinstance(node, SayNode):
            lines.append(f'  {ident}>"{_label(show(node.text))}"]')
    lines.append(f"  {_id(EXIT)}((return))")
    for qid, edges in graph.edges.items():
        said = edge_labels(graph.nodes[qid], words)
        for label, dest in edges:
            arrow = "-.->" if label in ("invalid", "refused", "override") else "-->"
            word = said.get(label, label)
            text = f'|"{_label(word)}"|' if word else ""
            lines.append(f"  {_id(qid)} {arrow}{text} {_id(dest)}")
    start = _id(graph.start)
    lines.append(f"  style {start} stroke-width:3px")
    if not any(dest == EXIT for edges in graph.edges.values() for _, dest in edges):
        lines.remove(f"  {_id(EXIT)}((return))")
    return "\n".join(lines) + "\n"
