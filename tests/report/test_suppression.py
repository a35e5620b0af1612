"""The suppression pattern: counts below k hidden, zeros shown, no relation left with a
single hidden member or hidden members that can only all be 1, and no hidden count pinned
by the relations put together."""

from __future__ import annotations

import pytest

from bot.report.suppression import determined, suppress

ROW = ("total", ("a", "b", "c"))


@pytest.mark.parametrize(("counts", "k", "hidden"), [
    pytest.param({"total": 30, "a": 10, "b": 12, "c": 8}, 5, set(), id="nothing-small"),
    pytest.param({"total": 17, "a": 0, "b": 9, "c": 8}, 5, set(), id="a-zero-is-shown"),
    pytest.param({"total": 20, "a": 3, "b": 9, "c": 8}, 5, {"a", "c"},
                 id="one-small-takes-the-smallest-other-along"),
    pytest.param({"total": 14, "a": 3, "b": 2, "c": 9}, 5, {"a", "b"},
                 id="two-small-protect-each-other"),
    pytest.param({"total": 11, "a": 1, "b": 1, "c": 9}, 5, {"a", "b", "c"},
                 id="two-ones-would-be-pinned-so-a-third-goes"),
    pytest.param({"total": 4, "a": 1, "b": 3, "c": 0}, 5, {"total", "a", "b"},
                 id="a-small-total-too"),
    pytest.param({"total": 20, "a": 3, "b": 9, "c": 8}, 1, set(), id="k-1-hides-nothing"),
])
def test_one_relation(counts: dict[str, int], k: int, hidden: set[str]) -> None:
    assert suppress(counts, [ROW], k) == hidden


def test_relations_put_together_can_pin_a_count_each_leaves_open() -> None:
    """a+b, b+c and a+c known: each sum hides two, together they give all three back."""
    relations = [("ab", ("a", "b")), ("bc", ("b", "c")), ("ac", ("a", "c"))]
    assert determined({"a", "b", "c"}, relations) == {"a", "b", "c"}
    assert determined({"a", "b", "c", "ab"}, relations) == set()


def test_a_pinned_count_gets_another_hidden_neighbour() -> None:
    relations = [("ab", ("a", "b")), ("bc", ("b", "c")), ("ac", ("a", "c"))]
    counts = {"a": 2, "b": 3, "c": 4, "ab": 5, "bc": 7, "ac": 6}
    hidden = suppress(counts, relations, 5)
    assert {"a", "b", "c"} < hidden
    assert determined(hidden, relations) == set()


def test_a_quarter_and_a_margin_a_hidden_month_forces_a_second_one_in_both() -> None:
    relations = [("q", ("m1", "m2", "m3")), ("m1", ("m1h1", "m1h2"))]
    counts = {"q": 20, "m1": 2, "m2": 9, "m3": 9, "m1h1": 1, "m1h2": 1}
    hidden = suppress(counts, relations, 5)
    assert {"m1", "m1h1", "m1h2"} <= hidden and ("m2" in hidden or "m3" in hidden)
    assert determined(hidden, relations) == set()
