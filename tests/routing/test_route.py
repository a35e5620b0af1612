"""Routing a referral request: partner, focal point, backup, coordinator, or a clear no."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.directory import load_directory
from bot.directory.model import Agency, Directory, FocalPoint, Hub
from bot.engine.events import ReferralRequested
from bot.routing.route import NoRoute, Route, escalation_chain, route

SAMPLE = load_directory()


def _agency(agency_id: str) -> Agency:
    return Agency(agency_id, {"en": agency_id.replace("_", " ").title()}, "national")


def _request(hub: str | None = "kilis", case_type: str = "legal",
             consent: tuple[str, ...] = ("refer", "share"),
             override: str | None = None) -> ReferralRequested:
    return ReferralRequested(flow_id="pwsn", revision=1, case_type=case_type, hub=hub,
                             risk="high", due_hours=48, urgent=False, consent=consent,
                             override_reason=override, services=())


def _directory(primary: str | None, backup: str | None, coordinator: str | None) -> Directory:
    agencies = {a: _agency(a) for a in ("lead", "standby", "coord", "partner_org")}
    points = {("kilis", "legal"): FocalPoint("kilis", "legal", primary, backup)} \
        if primary or backup else {}
    return Directory(hubs={"kilis": Hub("kilis", {"en": "Kilis"}, ("Elbeyli",), coordinator)},
                     agencies=agencies, focal_points=points)


@pytest.mark.parametrize(("primary", "backup", "coordinator", "agency", "via"), [
    ("lead", "standby", "coord", "lead", "focal_point"),
    (None, "standby", "coord", "standby", "backup"),
    (None, None, "coord", "coord", "coordinator"),
    ("lead", None, None, "lead", "focal_point"),
])
def test_the_first_of_focal_point_backup_and_coordinator_receives_it(
        primary: str | None, backup: str | None, coordinator: str | None, agency: str,
        via: str) -> None:
    decision = route(_request(), _directory(primary, backup, coordinator))
    assert isinstance(decision, Route)
    assert (decision.hub, decision.agency, decision.via) == ("kilis", agency, via)


def test_with_nobody_to_receive_it_the_answer_says_why_and_keeps_the_hub() -> None:
    decision = route(_request(), _directory(None, None, None))
    assert decision == NoRoute("hub 'kilis' has no focal point for legal, no backup and no hub "
                               "coordinator; the coordinators must add one", "legal", "kilis")


def test_the_sample_routes_every_case_type_of_every_hub_to_its_focal_point() -> None:
    for hub in SAMPLE.hubs:
        for case_type in ("protection", "medical", "legal", "material_assistance",
                          "child_protection", "gbv"):
            decision = route(_request(hub, case_type), SAMPLE)
            assert isinstance(decision, Route) and decision.via == "focal_point"


def test_a_known_partner_chosen_by_the_referrer_receives_it_and_is_recorded() -> None:
    decision = route(_request("gaziantep"), SAMPLE, partner_agency="Example Women's Network")
    assert decision == Route("gaziantep", "legal", "example_women", "partner")


def test_an_unknown_partner_falls_back_to_the_focal_point_with_a_note() -> None:
    decision = route(_request("gaziantep"), SAMPLE, partner_agency="Some Local Group")
    assert isinstance(decision, Route)
    assert (decision.agency, decision.via) == ("example_law", "focal_point")
    assert decision.notes == ("partner 'Some Local Group' is not in the directory; sent to "
                              "the hub's focal point instead",)


def test_a_district_typed_instead_of_a_hub_routes_with_a_note() -> None:
    decision = route(_request("urfa", "gbv"), SAMPLE)
    assert isinstance(decision, Route)
    assert (decision.hub, decision.agency) == ("sanliurfa", "example_women")
    assert decision.notes == ("hub 'sanliurfa' matched from the text given (part)",)


@pytest.mark.parametrize(("request_", "reason"), [
    (_request(consent=("statistics",)),
     "no consent to refer was recorded, so the referral was not sent"),
    (_request(hub=None), "the referral names no hub"),
    (_request(hub="Atlantis"), "no hub matches 'Atlantis'"),
])
def test_a_referral_that_cannot_be_routed_says_why(request_: ReferralRequested,
                                                   reason: str) -> None:
    decision = route(request_, SAMPLE)
    assert isinstance(decision, NoRoute) and decision.reason == reason


def test_the_child_safety_override_routes_without_consent() -> None:
    request = _request("hatay", "child_protection", consent=(), override="child in danger")
    decision = route(request, SAMPLE)
    assert isinstance(decision, Route) and decision.agency == "example_children"


def test_an_ambiguous_place_returns_the_candidate_hubs() -> None:
    directory = replace(_directory("lead", None, None), hubs={
        "north": Hub("north", {"en": "North"}, ("Karacaören",)),
        "south": Hub("south", {"en": "South"}, ("Karacaoğlan",))})
    decision = route(_request("karaca"), directory)
    assert isinstance(decision, NoRoute) and decision.candidates == ("north", "south")


def test_an_unknown_case_type_reaches_the_coordinator_with_a_note() -> None:
    decision = route(_request(case_type="housing"), _directory("lead", None, "coord"))
    assert isinstance(decision, Route) and decision.via == "coordinator"
    assert decision.notes[0] == "case type 'housing' is not one the directory knows"


def test_the_escalation_chain_lists_each_agency_once() -> None:
    assert escalation_chain(_directory("lead", "standby", "coord"), "kilis", "legal") == (
        ("focal_point", "lead"), ("backup", "standby"), ("coordinator", "coord"))
    assert escalation_chain(_directory("lead", "standby", "lead"), "kilis", "legal") == (
        ("focal_point", "lead"), ("backup", "standby"))
