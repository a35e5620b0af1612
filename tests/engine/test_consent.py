"""Right after a consent script the person is shown what the referrals after it carry,
read from the flow, in the person's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import load_directory
from bot.engine import Choice, Choices, Engine
from bot.engine.events import Disclosure, Prompt, Say
from bot.flows.library import FlowLibrary
from bot.i18n.texts import Texts
from tests.engine.helpers import run

VALID = Path(__file__).resolve().parents[1] / "flows" / "valid"
YES = [Choice("yes"), Choice("yes")]


@pytest.fixture(scope="module")
def two_consents() -> Engine:
    return Engine(FlowLibrary.load([VALID / "disclosure.yaml"]), Texts(),
                  load_directory().hub_choices())


def test_the_script_is_followed_by_what_the_referral_carries(two_consents: Engine) -> None:
    _, events = run(two_consents, [Choice("kilis")], flow="disclosure")
    script, shown, prompt = events[-3:]
    assert isinstance(script, Say) and script.audience == "person"
    assert shown == Disclosure(
        ("the area you are in, the kind of help needed and how urgent it is", "age group",
         "how to reach you"), ("your phone number",), "en")
    assert isinstance(prompt, Prompt) and prompt.node == "first_consent"


def test_a_later_consent_names_only_what_its_own_referral_carries(two_consents: Engine) -> None:
    steps = [Choice("kilis"), *YES, Choice("older"), Choice("through_me"),
             Choices(("health",)), Choice("done")]
    _, events = run(two_consents, steps, flow="disclosure")
    shown = [e for e in events if isinstance(e, Disclosure)]
    assert len(shown) == 2
    assert shown[1].shared == ("the area you are in, the kind of help needed and how urgent "
                               "it is", "the kind of urgent help needed", "age group")
    assert shown[1].on_acceptance == ()
