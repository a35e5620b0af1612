"""Every translatable text of a flow, with the node and field it belongs to."""

from __future__ import annotations

from collections.abc import Iterator

from bot.flows.model import (
    AskNode,
    ConsentNode,
    EndNode,
    Flow,
    RiskNode,
    SayNode,
    Text,
    UrgentNode,
)


def flow_texts(flow: Flow) -> Iterator[tuple[str, str, Text]]:
    """(node id, field, text) for the title and every node's texts, in file order."""
    yield "", "title", flow.title
    for node in flow.nodes.values():
        if isinstance(node, SayNode | UrgentNode | EndNode):
            yield node.id, "text", node.text
        elif isinstance(node, AskNode):
            yield node.id, "text", node.text
            for option in node.options:
                yield node.id, f"options.{option.id}", option.label
            if node.shared_as is not None:
                yield node.id, "shared_as", node.shared_as
            if node.card_label is not None:
                yield node.id, "card_label", node.card_label
        elif isinstance(node, ConsentNode):
            yield node.id, "script", node.script
            for reason in node.override.reasons if node.override else ():
                yield node.id, f"override.reasons.{reason.id}", reason.label
        elif isinstance(node, RiskNode):
            for level, info in node.levels.items():
                yield node.id, f"levels.{level}.timeframe", info.timeframe
            for reason in node.raise_reasons:
                yield node.id, f"raise_reasons.{reason.id}", reason.label
