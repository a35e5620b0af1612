"""Small-cell suppression of the report (``storage.report.protect``): no count from 1 to k-1
is shown, and no hidden count can be worked out from what is shown.

The second half is checked by an attacker that knows the rule: it enumerates every value a
hidden count could take (1 to k-1) and keeps the assignments that agree with every published
figure (visible counts, totals, the range of the number counted, shares, and what a reader
knows of the columns: in time is at most acknowledged and at most decided). A hidden count
is safe when at least two values survive. The attacker is first shown to pin a count when a
total is published over it, so a passing test means something.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import report as cli_report
from storage import report as storage_report
from storage.report import (
    MIN_COUNT,
    WITHHELD,
    AcknowledgementRow,
    CountRow,
    ProtectedReport,
    Report,
    ShownAcknowledgementRow,
    ShownCountRow,
    check_min_count,
    protect,
)

X = WITHHELD


def counts_report(counts: Sequence[int], left_out: int = 0) -> Report:
    """A report whose count table holds these counts, one hub each."""
    rows = [CountRow("2026-11", f"hub{i}", "medical", "high", "sent", n)
            for i, n in enumerate(counts)]
    return Report(rows, [], AcknowledgementRow("all", 0, None, 0, 0), counted=sum(counts),
                  left_out=left_out)


def ack_report(rows: Sequence[AcknowledgementRow], total_median: float | None) -> Report:
    """A report whose acknowledgement table holds these rows and their true total."""
    total = AcknowledgementRow("all", sum(r.acknowledged for r in rows), total_median,
                               sum(r.in_time for r in rows), sum(r.decided for r in rows))
    return Report([], list(rows), total, counted=0, left_out=0)


# --- the attacker ---------------------------------------------------------------------------

def _value(cell: str) -> int | None:
    """A published count, or None for a hidden one ("<k")."""
    return int(cell) if cell.isdigit() else None


def count_table_candidates(shown: ProtectedReport) -> dict[int, set[int]]:
    """For each hidden row of the count table, every value it could have."""
    k = shown.min_count
    hidden = [i for i, row in enumerate(shown.counts) if row.referrals == shown.small]
    visible = sum(int(row.referrals) for row in shown.counts if row.referrals.isdigit())
    low, high = shown.counted
    found: dict[int, set[int]] = {i: set() for i in hidden}
    for values in itertools.product(range(1, k), repeat=len(hidden)):
        if low <= visible + sum(values) <= high:
            for i, value in zip(hidden, values, strict=True):
                found[i].add(value)
    return found


COLUMNS = ("acknowledged", "in_time", "decided")


def ack_table_candidates(shown: ProtectedReport) -> dict[tuple[int, str], set[int]]:
    """For each hidden count of the acknowledgement table (row number, column), every value
    it could have. Shares are matched to the CSV's three decimals, the finer of the two."""
    k = shown.min_count
    rows = shown.acknowledgement
    hidden = [(i, column) for i, row in enumerate(rows) for column in COLUMNS
              if getattr(row, column) == shown.small]
    found: dict[tuple[int, str], set[int]] = {cell: set() for cell in hidden}

    def agrees(cells: dict[tuple[int, str], int]) -> bool:
        for i, row in enumerate(rows):
            a, t, d = (cells[i, column] for column in COLUMNS)
            if t > a or t > d:
                return False
            if isinstance(row.share_in_time, float) and round(t / d, 3) != round(
                    row.share_in_time, 3):
                return False
        sums = {column: sum(cells[i, column] for i in range(len(rows))) for column in COLUMNS}
        for column in COLUMNS:
            total = getattr(shown.total, column)
            if total.isdigit() and sums[column] != int(total):
                return False
        share = shown.total.share_in_time
        return not (isinstance(share, float) and sums["decided"]
                    and round(sums["in_time"] / sums["decided"], 3) != round(share, 3))

    known = {(i, column): _value(getattr(row, column))
             for i, row in enumerate(rows) for column in COLUMNS}
    for values in itertools.product(range(1, k), repeat=len(hidden)):
        cells = {cell: value for cell, value in known.items() if value is not None}
        cells.update(zip(hidden, values, strict=True))
        if agrees(cells):
            for cell, value in zip(hidden, values, strict=True):
                found[cell].add(value)
    return found


def assert_protected(raw: Report, shown: ProtectedReport) -> None:
    """No count from 1 to k-1 in sight; every hidden count has two or more possible values;
    no median over fewer than k acknowledgements."""
    k = shown.min_count
    published = [row.referrals for row in shown.counts] + [shown.left_out] + [
        getattr(row, column) for row in [*shown.acknowledgement, shown.total]
        for column in COLUMNS]
    assert all(cell in (shown.small, X) or not 0 < int(cell) < k for cell in published)
    low, high = shown.counted
    assert low == high or high > low
    assert all(len(values) >= 2 for values in count_table_candidates(shown).values())
    assert all(len(values) >= 2 for values in ack_table_candidates(shown).values())
    for before, after in zip([*raw.acknowledgement, raw.total],
                             [*shown.acknowledgement, shown.total], strict=True):
        if isinstance(after.median_hours, float):
            assert before.acknowledged >= k


def test_the_attacker_pins_a_hidden_count_when_a_total_is_published_over_it() -> None:
    """The check has teeth: with the exact total, one hidden count, or two hidden 1s, are
    given away."""
    one = protect(counts_report([7, 2, 12]))
    exposed = ProtectedReport(5, one.counts, [], one.total, counted=(21, 21), left_out="0")
    assert count_table_candidates(exposed) == {1: {2}}
    two = protect(counts_report([1, 1, 9]))
    exposed = ProtectedReport(5, two.counts, [], two.total, counted=(11, 11), left_out="0")
    assert count_table_candidates(exposed) == {0: {1}, 1: {1}}
    rows = protect(ack_report([AcknowledgementRow("a", 9, 2.0, 3, 9),
                               AcknowledgementRow("b", 8, 1.0, 8, 8)], 1.5))
    exposed_total = ShownAcknowledgementRow("all", "17", 1.5, "11", "17", 11 / 17)
    exposed = ProtectedReport(5, [], rows.acknowledgement, exposed_total, (0, 0), "0")
    assert ack_table_candidates(exposed) == {(0, "in_time"): {3}}


# --- the count table ------------------------------------------------------------------------

@pytest.mark.parametrize(("counts", "min_count", "shown", "counted"), [
    pytest.param([7, 5, 12], 5, ["7", "5", "12"], (24, 24), id="nothing-small-exact-total"),
    pytest.param([7, 2, 12], 5, ["7", "<5", "12"], (20, 23), id="one-small-total-a-range"),
    pytest.param([1, 1, 9], 5, ["<5", "<5", "9"], (11, 17), id="two-ones-total-a-range"),
    pytest.param([3], 5, ["<5"], (1, 4), id="a-lone-small-row"),
    pytest.param([4, 5], 5, ["<5", "5"], (6, 9), id="just-below-and-at-the-threshold"),
    pytest.param([2, 3], 3, ["<3", "3"], (4, 5), id="threshold-3"),
    pytest.param([9, 10], 10, ["<10", "10"], (11, 19), id="threshold-10"),
    pytest.param([1, 2], 1, ["1", "2"], (3, 3), id="threshold-1-hides-nothing"),
    pytest.param([], 5, [], (0, 0), id="empty"),
])
def test_count_table_suppression(counts: list[int], min_count: int, shown: list[str],
                                 counted: tuple[int, int]) -> None:
    raw = counts_report(counts)
    protected = protect(raw, min_count)
    assert protected.counts == [
        ShownCountRow("2026-11", f"hub{i}", "medical", "high", "sent", cell)
        for i, cell in enumerate(shown)]
    assert protected.counted == counted
    assert_protected(raw, protected)


@pytest.mark.parametrize(("left_out", "min_count", "shown"), [
    (0, 5, "0"), (1, 5, "<5"), (4, 5, "<5"), (5, 5, "5"), (2, 3, "<3"), (1, 1, "1")])
def test_the_number_left_out_is_a_count_like_any_other(left_out: int, min_count: int,
                                                       shown: str) -> None:
    assert protect(counts_report([], left_out), min_count).left_out == shown


# --- the acknowledgement table --------------------------------------------------------------

def A(agency: str, acknowledged: int, median: float | None, in_time: int,  # noqa: N802
      decided: int) -> AcknowledgementRow:
    return AcknowledgementRow(agency, acknowledged, median, in_time, decided)


def S(agency: str, acknowledged: str, median: float | str | None, in_time: str,  # noqa: N802
      decided: str, share: float | str | None) -> ShownAcknowledgementRow:
    return ShownAcknowledgementRow(agency, acknowledged, median, in_time, decided, share)


ACK_CASES = [
    pytest.param(
        [A("health", 10, 4.0, 5, 10), A("law", 0, None, 0, 6)], 4.0, 5,
        [S("health", "10", 4.0, "5", "10", 0.5), S("law", "0", None, "0", "6", 0.0)],
        S("all", "10", 4.0, "5", "16", 5 / 16), id="nothing-small"),
    pytest.param(
        [A("health", 10, 4.0, 5, 10), A("kilis", 1, 1.0, 1, 1), A("law", 0, None, 0, 6)],
        2.0, 5,
        [S("health", "10", 4.0, "5", "10", 0.5), S("kilis", "<5", X, "<5", "<5", X),
         S("law", "0", None, "0", "6", 0.0)],
        S("all", X, 2.0, X, X, X), id="one-small-agency-withholds-its-median-and-totals"),
    pytest.param(
        [A("health", 12, 3.0, 3, 12), A("law", 6, 5.0, 6, 6)], 3.5, 5,
        [S("health", "12", 3.0, "<5", "12", X), S("law", "6", 5.0, "6", "6", 1.0)],
        S("all", "18", 3.5, X, "18", X), id="small-in-time-withholds-its-share-and-column"),
    pytest.param(
        [A("a", 1, 2.0, 1, 1), A("b", 1, 3.0, 1, 1), A("c", 9, 1.0, 9, 9)], 1.0, 5,
        [S("a", "<5", X, "<5", "<5", X), S("b", "<5", X, "<5", "<5", X),
         S("c", "9", 1.0, "9", "9", 1.0)],
        S("all", X, 1.0, X, X, X), id="two-ones-still-withhold-the-total"),
    pytest.param(
        [A("a", 3, 2.0, 3, 3)], 2.0, 5,
        [S("a", "<5", X, "<5", "<5", X)], S("all", X, X, X, X, X),
        id="one-small-agency-alone-withholds-the-total-median"),
    pytest.param(
        [A("a", 0, None, 0, 0), A("b", 7, 6.0, 0, 7)], 6.0, 5,
        [S("a", "0", None, "0", "0", None), S("b", "7", 6.0, "0", "7", 0.0)],
        S("all", "7", 6.0, "0", "7", 0.0), id="zeros-are-shown"),
    pytest.param(
        [A("a", 7, 6.0, 5, 9)], 6.0, 8,
        [S("a", "<8", X, "<8", "9", X)], S("all", X, X, X, "9", X),
        id="threshold-8"),
    pytest.param(
        [A("a", 1, 2.0, 1, 1), A("b", 2, 3.0, 1, 2)], 2.5, 1,
        [S("a", "1", 2.0, "1", "1", 1.0), S("b", "2", 3.0, "1", "2", 0.5)],
        S("all", "3", 2.5, "2", "3", 2 / 3), id="threshold-1-hides-nothing"),
]


@pytest.mark.parametrize(("rows", "total_median", "min_count", "shown", "total"), ACK_CASES)
def test_acknowledgement_table_suppression(
        rows: list[AcknowledgementRow], total_median: float | None, min_count: int,
        shown: list[ShownAcknowledgementRow], total: ShownAcknowledgementRow) -> None:
    raw = ack_report(rows, total_median)
    protected = protect(raw, min_count)
    assert protected.acknowledgement == shown
    assert protected.total == total
    assert_protected(raw, protected)


# --- the threshold --------------------------------------------------------------------------

@pytest.mark.parametrize(("min_count", "message"), [
    (0, "the minimum count must be 1 or more (1 hides nothing), not 0"),
    (-5, "the minimum count must be 1 or more (1 hides nothing), not -5"),
    (2, "a minimum count of 2 would hide nothing (a count above 0 and below 2 can only be "
        "1): use 1 to show every count, or 3 or more"),
])
def test_a_threshold_that_protects_nothing_is_refused(min_count: int, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_min_count(min_count)
    assert str(refused.value) == message
    with pytest.raises(ValueError):
        protect(counts_report([1]), min_count)


def test_the_default_threshold_is_5_and_the_command_agrees() -> None:
    assert MIN_COUNT == cli_report.MIN_COUNT == 5
    assert storage_report.WITHHELD == cli_report.WITHHELD
    assert protect(counts_report([4, 5])).counts[0].referrals == "<5"


# --- any report -----------------------------------------------------------------------------

@st.composite
def reports(draw: st.DrawFn) -> Report:
    counts = draw(st.lists(st.integers(1, 12), max_size=5))
    rows = []
    for number in range(draw(st.integers(0, 2))):
        acknowledged = draw(st.integers(0, 12))
        decided = draw(st.integers(0, 12))
        in_time = draw(st.integers(0, min(acknowledged, decided)))
        rows.append(A(f"agency{number}", acknowledged, 1.5 if acknowledged else None,
                      in_time, decided))
    raw = ack_report(rows, 1.5 if any(r.acknowledged for r in rows) else None)
    return Report(counts_report(counts).counts, raw.acknowledgement, raw.total,
                  counted=sum(counts), left_out=draw(st.integers(0, 9)))


@settings(max_examples=150, deadline=None)
@given(raw=reports(), min_count=st.sampled_from([1, 3, 4, 5]))
def test_no_report_shows_a_small_count_or_lets_one_be_worked_out(
        raw: Report, min_count: int) -> None:
    shown = protect(raw, min_count)
    assert_protected(raw, shown)
    if min_count == 1:
        assert [row.referrals for row in shown.counts] == [
            str(row.referrals) for row in raw.counts]
        assert shown.counted == (raw.counted, raw.counted)
        assert X not in (shown.total.acknowledged, shown.total.in_time, shown.total.decided)
