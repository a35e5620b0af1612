"""Risk rule tables: the shipped PwSN rating, and the proof that shipped tables are complete."""

from __future__ import annotations

import pytest

from bot.flows.library import BUNDLED, check, flow_files
from bot.flows.model import RiskNode
from bot.flows.risktable import gaps_and_overlaps, rate

RED = ["no_care", "untreated_condition", "losing_shelter", "detention_risk", "threats"]
YELLOW = ["mobility", "irregular_medicine", "alone", "caregiver_strain", "no_documents",
          "no_income", "isolated", "distress"]


def _risk_nodes(*files: str) -> list[RiskNode]:
    flows = check([BUNDLED / name for name in files])
    return [node for flow in flows.values() for node in flow.nodes.values()
            if isinstance(node, RiskNode)]


@pytest.fixture(scope="module")
def pwsn_rating() -> RiskNode:
    flows = check([BUNDLED / name for name in ("pwsn.yaml", "urgent_screen.yaml",
                                               "child_pathway.yaml", "gbv_referral.yaml")])
    node = flows["pwsn"].nodes["rating"]
    assert isinstance(node, RiskNode)
    return node


@pytest.mark.parametrize(("red", "yellow", "level"), [
    pytest.param([], [], "low", id="no red and no yellow need is low risk"),
    pytest.param([], ["none"], "low", id="answering none of these is low risk"),
    pytest.param([], YELLOW[:1], "medium", id="one yellow need is medium risk"),
    pytest.param([], YELLOW[:3], "medium", id="exactly three yellow needs are medium risk"),
    pytest.param([], YELLOW[:4], "high", id="four yellow needs are high risk"),
    pytest.param([], YELLOW, "high", id="every yellow need is high risk"),
    pytest.param(RED[:1], [], "high", id="one red need is high risk"),
    pytest.param(RED[-1:], YELLOW[:2], "high", id="one red need outweighs two yellow ones"),
])
def test_the_pwsn_table_rates_counts_of_red_and_yellow_needs(
        pwsn_rating: RiskNode, red: list[str], yellow: list[str], level: str) -> None:
    assert rate(pwsn_rating, {"needs_red": red, "needs_yellow": yellow}) == level


def test_gaps_and_overlaps_finds_nothing_in_the_shipped_tables() -> None:
    nodes = _risk_nodes(*(path.name for path in flow_files([BUNDLED])))
    assert sorted(node.id for node in nodes) == [  # child, GBV under 18, pwsn
        "child_rating", "gbv_child_rating", "rating"]
    assert [gaps_and_overlaps(node) for node in nodes] == [[], [], []]
