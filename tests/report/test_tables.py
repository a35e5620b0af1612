"""The marginal tables and their suppression, attacked: no hidden count can be worked out
from everything the tool can publish for a year (every period of the grid, all hubs and
each hub, every table), neither by a quarter minus its months nor by one marginal table
against another; and at real volumes the coarse tables stay readable."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.report import tables
from bot.report.measures import AGENCY_MEASURES, MEASURES
from bot.report.periods import Period, parse_period, year_grid
from bot.report.tables import ALL, HIDDEN, Published, publish
from tests.report.attacker import collect, given_back, relations

NOW = datetime(2026, 11, 29, tzinfo=UTC)
HUBS = ("adana", "gaziantep", "hatay", "kilis", "mardin", "sanliurfa", "mersin")
Referral = tuple[str, str, str, str, str]  # month, hub, case type, risk, agency


def facts(referrals: Sequence[Referral]) -> dict[str, dict[tuple[str, ...], list[int]]]:
    cells: dict[tuple[str, ...], list[int]] = {}
    agencies: dict[tuple[str, ...], list[int]] = {}
    for month, hub, case_type, risk, agency in referrals:
        cells.setdefault((month, hub, case_type, risk), [0] * len(MEASURES))[0] += 1
        agencies.setdefault((month, hub, agency), [0] * len(AGENCY_MEASURES))[0] += 1  # made to
    return {"cells": cells, "agencies": agencies}


def reporter(referrals: Sequence[Referral], min_count: int = 5):  # type: ignore[no-untyped-def]
    found = facts(referrals)

    def report(period: Period, hub: str | None) -> Published:
        return publish(period, NOW, cells=found["cells"],  # type: ignore[arg-type]
                       agencies=found["agencies"],  # type: ignore[arg-type]
                       left_out=0, hub=hub, min_count=min_count)
    return report


def seeded() -> list[Referral]:
    """Sixty referrals over July to September 2026 and seven hubs: some 20 a month, some
    8 a hub, three case types, two risks, three or so a hub in a month."""
    rnd = random.Random(60)
    return [(f"2026-{7 + i % 3:02d}", HUBS[i % 7], ("medical", "legal", "gbv")[i % 3 + 0],
             rnd.choice(("high", "low")), f"{HUBS[i % 7]}_ngo") for i in range(60)]


def attack(referrals: Sequence[Referral], min_count: int = 5) -> tuple[dict, dict]:  # type: ignore[type-arg]
    periods = year_grid(2026, NOW)
    hubs = sorted({r[1] for r in referrals})
    seen = collect(reporter(referrals, min_count), periods, hubs)
    return seen, given_back(seen, relations(seen, periods))


def rows(report: Published, dimension: str) -> list[tuple[object, ...]]:
    return [row for table in report.tables if table.dimension == dimension
            for row in table.rows]


def test_sixty_referrals_show_every_cell_by_hub_month_and_case_type_over_the_quarter(
        ) -> None:
    report = reporter(seeded())(parse_period("2026-Q3", NOW), None)
    for dimension in ("hub", "month", "case_type"):
        assert rows(report, dimension), dimension
        assert all(HIDDEN not in row for row in rows(report, dimension)), dimension
    assert dict(rows(report, "month")) == {"2026-07": 20, "2026-08": 20, "2026-09": 20,
                                           "all": 60}  # type: ignore[arg-type]
    assert [row[1] for row in rows(report, "hub")][-1] == 60


def test_with_sixty_referrals_the_month_by_hub_counts_are_small_and_hidden() -> None:
    """The quarter's figures stay exact while the months' hub counts (about 3) are hidden:
    the case the attacks below are about."""
    report = reporter(seeded())(parse_period("2026-08", NOW), None)
    assert all(value == HIDDEN for _, value in rows(report, "hub")[:-1])
    assert rows(report, "hub")[-1] == ("all", 20)


def test_no_hidden_count_of_the_seeded_year_can_be_worked_out_from_every_report() -> None:
    seen, pinned = attack(seeded())
    assert sum(value == HIDDEN for value in seen.values()) > 50
    assert pinned == {}


def test_the_attacker_has_teeth_without_secondary_suppression(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide only the counts below 5 and the attacker gets them back: a quarter minus its
    months, and one marginal table against another."""
    def primary_only(counts, relations, k):  # type: ignore[no-untyped-def]
        return {cell for cell, n in counts.items() if 0 < n < k}

    monkeypatch.setattr(tables, "suppress", primary_only)
    referrals = [("2026-07", "adana", "medical", "high", "a")] * 6 + \
        [("2026-08", "adana", "medical", "high", "a")] * 2 + \
        [("2026-09", "adana", "medical", "high", "a")] * 7 + \
        [("2026-08", "hatay", "legal", "low", "b")] * 9
    _, pinned = attack(referrals)
    # the quarter minus its months: adana's August
    assert pinned[("*", "2026-08", "adana", "*")] == 2
    # by hub against by case type: August's medical referrals are adana's
    assert pinned[("case_type", "2026-08", ALL, "medical")] == 2


def test_a_quarter_minus_its_months_gives_nothing_back() -> None:
    referrals = [("2026-07", "adana", "medical", "high", "a")] * 6 + \
        [("2026-08", "adana", "medical", "high", "a")] * 2 + \
        [("2026-09", "adana", "medical", "high", "a")] * 7 + \
        [("2026-08", "hatay", "legal", "low", "b")] * 9
    seen, pinned = attack(referrals)
    assert seen[("*", "2026-08", "adana", "*")] == HIDDEN
    assert pinned == {}
    quarter = reporter(referrals)(parse_period("2026-Q3", NOW), "adana")
    months = dict(rows(quarter, "month"))  # type: ignore[arg-type]
    assert HIDDEN in (months["2026-07"], months["2026-09"], months["all"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2026-07", "2026-08", "2026-10"]),
                          st.sampled_from(HUBS[:3]), st.sampled_from(["medical", "gbv"]),
                          st.sampled_from(["high", "low"]), st.sampled_from(["a", "b"])),
                min_size=1, max_size=40))
def test_no_hidden_count_is_ever_given_back(referrals: list[Referral]) -> None:
    seen, pinned = attack(referrals)
    assert pinned == {}
    shown = [value for value in seen.values() if value != HIDDEN]
    assert all(not 0 < value < 5 for value in shown)  # type: ignore[operator]


def test_min_count_1_hides_nothing() -> None:
    seen, _ = attack(seeded(), min_count=1)
    assert HIDDEN not in seen.values()


@pytest.mark.parametrize(("value", "message"), [
    (0, "the minimum count must be 1 or more (1 hides nothing), not 0"),
    (2, "a minimum count of 2 would hide nothing (a count above 0 and below 2 can only be "
        "1): use 1 to show every count, or 3 or more"),
])
def test_a_threshold_that_protects_nothing_is_refused(value: int, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        reporter(seeded(), value)(parse_period("2026-Q3", NOW), None)
    assert str(refused.value) == message
