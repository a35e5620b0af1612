"""A consent discloses exactly the fields of the referrals after it, up to the next consent,
each once, by its ``shared_as`` label, contact details apart."""

from __future__ import annotations

from pathlib import Path

from bot.flows.disclosure import disclosed_after, referrals_after
from bot.flows.graph import Graph, flatten
from bot.flows.library import check

VALID = Path(__file__).resolve().parent / "valid"


def _graph() -> Graph:
    flows = check([VALID / "disclosure.yaml"])
    return flatten(flows["disclosure"], flows)


def test_a_consent_opens_the_way_to_the_referrals_before_the_next_consent() -> None:
    graph = _graph()
    assert referrals_after(graph, "first_consent") == ["send"]
    assert referrals_after(graph, "second_consent") == ["urgent_send"]


def test_the_fields_are_listed_by_label_once_each_contact_apart() -> None:
    graph = _graph()
    assert [(d.question, d.label.msgid, d.contact)
            for d in disclosed_after(graph, "first_consent")] == [
        ("age_band", "age group", False),
        ("reach", "how to reach you", False),
        ("phone", "your phone number", True),
    ]
    assert [(d.question, d.label.msgid, d.contact)
            for d in disclosed_after(graph, "second_consent")] == [
        ("more", "the kind of urgent help needed", False),
        ("age_band", "age group", False),
    ]
