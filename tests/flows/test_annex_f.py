"""Annex F of the CP template SOPs ships in full as the child pathway's data: every row of its
nine concern areas with its level, asked area by area, where the highest concern wins."""

from __future__ import annotations

import pytest

from bot.flows.library import BUNDLED, check, flow_files
from bot.flows.model import AskNode, RiskNode
from bot.flows.risktable import rate

#: Annex F, row by row: area question → {option: level}. No-risk rows are not asked.
ANNEX_F = {
    "physical": {"phys_serious": "high", "phys_young_injured": "high",
                 "phys_untreated": "high", "phys_no_injury": "medium",
                 "phys_witness": "medium", "phys_past_unsupported": "low",
                 "phys_home_violence": "low"},
    "emotional": {"emo_persistent": "high", "emo_young": "high", "emo_occasional": "medium",
                  "emo_unequal": "low"},
    "sexual": {"sex_access": "high", "sex_recent": "high", "sex_girl_mother": "high",
               "sex_married_unsupported": "high", "sex_pregnant_rape": "high",
               "sex_engaged_soon": "high", "sex_engaged_refusing": "high",
               "sex_past_unsupported": "medium", "sex_married_supported": "medium",
               "sex_engaged_later": "medium", "sex_engaged_agreeing": "medium",
               "sex_past_supported": "low", "sex_married_above": "low"},
    "neglect": {"neg_serious": "high", "neg_young": "high", "neg_basic": "medium",
                "neg_emotional": "medium", "neg_supervision": "low"},
    "labour": {"lab_worst": "high", "lab_underage": "medium", "lab_hazardous": "medium",
               "lab_threat_underage": "low", "lab_threat_hazardous": "low"},
    "distress": {"dis_self_harm": "high", "dis_disorder": "high", "dis_lasting": "medium",
                 "dis_recent_unsupported": "low"},
    "separation": {"sep_alone_no_care": "high", "sep_under15_fragile": "high",
                   "sep_alone_under15_cared": "medium", "sep_over15_fragile": "medium",
                   "sep_alone_over15_cared": "low", "sep_cared": "low"},
    "armed_groups": {"arm_associated": "high", "arm_recruit_risk": "high",
                     "arm_left_serious": "high", "arm_left_harm": "medium",
                     "arm_left_no_support": "medium", "arm_left_supported": "low"},
    "law": {"law_detained": "high", "law_no_diversion": "high", "law_diversion": "medium",
            "law_at_risk": "low", "law_witness_unsupported": "low"},
}
#: Rows that need history the referrer may not have: marked, never to be asked of the child.
ONLY_IF_KNOWN = {"phys_past_unsupported", "sex_past_unsupported", "sex_past_supported",
                 "dis_lasting", "dis_recent_unsupported", "arm_left_serious", "arm_left_harm",
                 "arm_left_no_support", "arm_left_supported"}


@pytest.fixture(scope="module")
def pathway() -> dict[str, object]:
    return dict(check(flow_files([BUNDLED]))["child_pathway"].nodes)


def test_every_row_of_the_nine_areas_is_asked_in_its_area_and_nothing_else(
        pathway: dict[str, object]) -> None:
    areas = pathway["areas"]
    assert isinstance(areas, AskNode)
    assert [o.id for o in areas.options] == [*ANNEX_F, "none"]
    for area, rows in ANNEX_F.items():
        question = pathway[area]
        assert isinstance(question, AskNode) and question.kind == "multi"
        assert [o.id for o in question.options] == [*rows, "none"], area
        assert question.relevant is not None  # asked only when the area was ticked


def test_every_row_is_rated_at_its_annex_f_level(pathway: dict[str, object]) -> None:
    rating = pathway["child_rating"]
    assert isinstance(rating, RiskNode)
    counted = {option: counter.name for counter in rating.counters
               for option in counter.options}
    for area, rows in ANNEX_F.items():
        for option, level in rows.items():
            assert counted[option] == level, option
            assert rate(rating, {area: [option]}) == level, option


@pytest.mark.parametrize("area,row", [
    pytest.param("distress", "dis_self_harm", id="severe distress to the extent of self-harm"),
    pytest.param("law", "law_detained", id="deprived of liberty"),
    pytest.param("emotional", "emo_persistent", id="persistently belittled by a caregiver"),
    pytest.param("labour", "lab_worst", id="a worst form of child labour"),
])
def test_the_rows_the_issue_names_are_high(pathway: dict[str, object], area: str,
                                           row: str) -> None:
    rating = pathway["child_rating"]
    assert isinstance(rating, RiskNode)
    assert rate(rating, {area: [row]}) == "high"


def test_the_highest_concern_wins_across_areas(pathway: dict[str, object]) -> None:
    rating = pathway["child_rating"]
    assert isinstance(rating, RiskNode)
    assert rate(rating, {"neglect": ["neg_supervision"], "labour": ["lab_underage"],
                         "law": ["law_at_risk"]}) == "medium"
    assert rate(rating, {"physical": ["phys_witness"], "separation": ["sep_cared"],
                         "armed_groups": ["arm_associated"]}) == "high"
    assert rate(rating, {"physical": ["none"], "areas": ["physical"]}) == "none"
    # An immediate concern of the urgent screen makes the case high.
    assert rate(rating, {"child_urgent": ["no_safe_care"]}) == "high"
    assert rate(rating, {"child_urgent": ["other_urgent"]}) == "low"


def test_rows_that_need_history_are_marked_only_if_already_known(
        pathway: dict[str, object]) -> None:
    marked = {o.id for area in ANNEX_F for o in pathway[area].options  # type: ignore[attr-defined]
              if o.label.msgid.startswith("Only if already known:")}
    assert marked == ONLY_IF_KNOWN
