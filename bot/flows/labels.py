"""Answers as a reader reads them: each question's label and each option's label, translated.

A referral carries its envelope as answer and option ids (``{"age_band": "adult"}``): short,
stable, and free of any language. Whoever reads a card or a notice sees the words instead,
in their own language: "Age group: 18 to 59", never "age_band: adult".

The label of a question is what the card calls it (``card_label``, in the third person:
"how to reach the person"), else what the flow says the answer is shared as (``shared_as``,
the words the consent script's list uses to the person), else the question's text. An
option id is shown as its option's label. The flow is the compiled revision the referral
was made with, so a later edit of the flow cannot change what an older card says. Pure: no
storage, no chat.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.flows.compiled import CompiledFlow
from bot.flows.model import AskNode, Text
from bot.i18n.texts import Texts


def _question(flow: CompiledFlow, answer: str, value: object) -> AskNode | None:
    """The question that recorded ``answer``; with several (sub-flows may reuse an id), the
    first whose options hold the value."""
    found = [node for node in flow.graph.nodes.values()
             if isinstance(node, AskNode) and node.records(answer)]
    values = set(value) if isinstance(value, list) else {value}
    for node in found:
        if values <= {option.id for option in node.options}:
            return node
    return found[0] if found else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def question_label(texts: Texts, node: AskNode, lang: str) -> str:
    label: Text = (node.card_label if node.card_label is not None
                   else node.shared_as if node.shared_as is not None else node.text)
    return _capital(texts.flow(label, lang).rstrip(" ?:"))


def value_label(texts: Texts, node: AskNode | None, value: object, lang: str) -> str:
    """An answer's words: option labels for option ids, the value itself otherwise."""
    if isinstance(value, list):
        return ", ".join(value_label(texts, node, item, lang) for item in value)
    if node is not None:
        for option in node.options:
            if option.id == value:
                return texts.flow(option.label, lang)
    return str(value)


def _position(flow: CompiledFlow | None, answer: str) -> int:
    """Where the question comes in the flow, so a card reads in the order it was asked."""
    if flow is not None:
        for index, node in enumerate(flow.graph.nodes.values()):
            if isinstance(node, AskNode) and node.records(answer):
                return index
    return len(flow.graph.nodes) if flow is not None else 0


def answer_lines(flow: CompiledFlow | None, texts: Texts, lang: str,
                 answers: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) per answer, in the order the flow asks them, in ``lang``. Without the
    flow (a revision no longer loaded) the ids are shown as they are rather than nothing."""
    lines = []
    for answer, value in sorted(answers.items(), key=lambda item: _position(flow, item[0])):
        node = _question(flow, answer, value) if flow is not None else None
        label = question_label(texts, node, lang) if node is not None else answer
        lines.append((label, value_label(texts, node, value, lang)))
    return lines


def services_label(flow: CompiledFlow | None, texts: Texts, lang: str,
                   services: tuple[str, ...] | list[str]) -> str:
    """The services a referral asks for, as the labels of the question that chose them."""
    if flow is not None:
        for node in flow.graph.nodes.values():
            if isinstance(node, AskNode) and node.kind == "multi" and set(services) <= {
                    option.id for option in node.options}:
                return value_label(texts, node, list(services), lang)
    return ", ".join(services)
