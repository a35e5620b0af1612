"""A layered layout puts the start on the first row and every edge one or more rows down,
except the edges that close a cycle, which go up; long edges pass through waypoints; rows
never overlap; an edge to an unknown node is refused."""

from __future__ import annotations

import itertools

import pytest

from bot.flows.layout import Sizes, layered


def test_every_edge_points_down_and_the_start_is_on_top() -> None:
    layout = layered(["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
                     "a")
    rows = {n: box.row for n, box in layout.boxes.items()}
    assert rows == {"a": 0, "b": 1, "c": 1, "d": 2}
    for route in layout.routes:
        assert route.points[0][1] < route.points[-1][1]
        assert not route.upward


def test_an_edge_closing_a_cycle_goes_up_and_the_rest_stays_layered() -> None:
    layout = layered(["ask", "check", "done"],
                     [("ask", "check"), ("check", "ask"), ("check", "done")], "ask")
    rows = {n: box.row for n, box in layout.boxes.items()}
    assert rows == {"ask": 0, "check": 1, "done": 2}
    back = layout.routes[1]
    assert back.upward and back.points[0][1] > back.points[-1][1]
    assert (back.source, back.target) == ("check", "ask")


def test_a_long_edge_passes_through_a_waypoint_per_row_crossed() -> None:
    layout = layered(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")],
                     "a")
    long = layout.routes[3]
    assert len(long.points) == 2 + 2 * 2  # leaves a, crosses rows 1 and 2, enters d


def test_a_node_leading_to_itself_gets_a_loop() -> None:
    layout = layered(["a", "b"], [("a", "a"), ("a", "b")], "a")
    loop = layout.routes[0]
    box = layout.boxes["a"]
    assert loop.points[0][0] == box.x + box.width == loop.points[-1][0]


def test_boxes_in_a_row_keep_their_gap() -> None:
    sizes = Sizes()
    nodes = ["start", *[f"n{i}" for i in range(6)]]
    layout = layered(nodes, [("start", n) for n in nodes[1:]], "start", sizes)
    row = sorted((b for b in layout.boxes.values() if b.row == 1), key=lambda b: b.x)
    for left, right in itertools.pairwise(row):
        assert right.x - (left.x + left.width) >= sizes.column_gap - 1e-6


def test_a_node_no_edge_touches_goes_below_the_others() -> None:
    layout = layered(["a", "b", "alone"], [("a", "b")], "a")
    assert layout.boxes["alone"].row == 2


def test_an_edge_to_an_unknown_node_is_refused() -> None:
    with pytest.raises(ValueError, match="edge a -> z names a node not given"):
        layered(["a"], [("a", "z")], "a")


def test_room_asked_under_a_node_widens_the_gap_below_its_row() -> None:
    sizes = Sizes()
    plain = layered(["a", "b"], [("a", "b")], "a", sizes)
    roomy = layered(["a", "b"], [("a", "b")], "a", sizes, room={"a": 40.0})
    assert roomy.boxes["b"].y - plain.boxes["b"].y == 40.0
    assert roomy.height - plain.height == 40.0
    assert roomy.routes[0].points[-1][1] == roomy.boxes["b"].y
