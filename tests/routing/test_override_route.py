"""A referral made under the child-safety override goes to the hub's child protection focal
point, whatever its case type and whatever partner was chosen: the CP SOPs say "consult child
protection focal point to determine the child's best interest"."""

from __future__ import annotations

import pytest

from bot.directory import load_directory
from bot.engine.events import ReferralRequested
from bot.routing.route import Route, route

SAMPLE = load_directory()


def _request(case_type: str, consent: tuple[str, ...], override: str | None
             ) -> ReferralRequested:
    return ReferralRequested(flow_id="child", revision=3, case_type=case_type, hub="gaziantep",
                             risk="high", due_hours=None, urgent=case_type == "medical",
                             consent=consent, override_reason=override, services=())


@pytest.mark.parametrize(("case_type", "partner"), [
    pytest.param("medical", None, id="an urgent health referral"),
    pytest.param("gbv", None, id="a GBV referral of a child survivor"),
    pytest.param("child_protection", "example_relief", id="a partner chosen by the referrer"),
])
def test_an_override_referral_goes_to_the_child_protection_focal_point(
        case_type: str, partner: str | None) -> None:
    decision = route(_request(case_type, (), "immediate_danger"), SAMPLE, partner)
    assert isinstance(decision, Route)
    assert (decision.case_type, decision.agency, decision.via) == (
        "child_protection", "example_children", "focal_point")


def test_with_consent_the_case_type_decides_as_before() -> None:
    decision = route(_request("medical", ("refer", "share"), None), SAMPLE)
    assert isinstance(decision, Route)
    assert (decision.case_type, decision.agency) == ("medical", "example_health")

