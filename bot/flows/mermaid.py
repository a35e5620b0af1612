"""Mermaid text of a flattened flow, for SOP annexes and reviews."""

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

_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _id(qid: str) -> str:
    return "n_" + _SAFE.sub("_", qid)


def _label(text: str) -> str:
    short = text if len(text) <= 48 else text[:45] + "..."
    return short.replace('"', "'")


def to_mermaid(graph: Graph) -> str:
    lines = ["flowchart TD"]
    for qid, node in graph.nodes.items():
        ident = _id(qid)
        if isinstance(node, AskNode):
            lines.append(f'  {ident}["{_label(node.text.msgid)}"]')
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
            lines.append(f'  {ident}>"{_label(node.text.msgid)}"]')
    lines.append(f"  {_id(EXIT)}((return))")
    for qid, edges in graph.edges.items():
        for label, dest in edges:
            arrow = "-.->" if label in ("invalid", "refused", "override") else "-->"
            text = "" if label == "next" else f"|{label}|"
            lines.append(f"  {_id(qid)} {arrow}{text} {_id(dest)}")
    start = _id(graph.start)
    lines.append(f"  style {start} stroke-width:3px")
    if not any(dest == EXIT for edges in graph.edges.values() for _, dest in edges):
        lines.remove(f"  {_id(EXIT)}((return))")
    return "\n".join(lines) + "\n"
