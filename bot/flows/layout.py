"""A layered drawing of a directed graph: which row and column each node goes in, and the
points each edge passes through.

The flow diagram (:mod:`bot.flows.svg`) reads top to bottom, as a coordinator reads a flow:
the start on the first row, every edge pointing down, except the few that loop back (a
"back" or "ask again" edge), which point up. The steps are the usual ones for such drawings:

1. edges that close a cycle are found by a depth-first walk from the start and turned round;
2. each node's row is the longest path to it, so every edge points at least one row down;
3. an edge spanning several rows passes through one small waypoint per row it crosses;
4. the order inside each row is improved by a few sweeps of the barycentre rule (a node
   goes where its neighbours in the row above, then below, are on average), which removes
   most crossings;
5. columns are set from the order: each node pulled towards its neighbours, then pushed
   apart so that nothing overlaps.

Pure geometry: no flow, no text, no drawing.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Sweeps of the ordering and of the column placement; more gain little on flow-sized graphs.
SWEEPS = 8


@dataclass(frozen=True)
class Sizes:
    """The drawing's measures, in pixels."""

    box_width: float = 210.0
    box_height: float = 84.0
    waypoint_width: float = 24.0
    column_gap: float = 34.0
    row_gap: float = 96.0
    margin: float = 24.0


@dataclass(frozen=True)
class Placed:
    """A node's box: its top-left corner and size, and its row."""

    id: str
    x: float
    y: float
    width: float
    height: float
    row: int


@dataclass(frozen=True)
class Route:
    """An edge as drawn: the points from the source's side to the target's, in order.
    ``upward``: the edge loops back to an earlier row."""

    source: str
    target: str
    index: int
    points: tuple[tuple[float, float], ...]
    upward: bool


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Placed]
    routes: tuple[Route, ...]
    width: float
    height: float


def _back_edges(nodes: Sequence[str], edges: Sequence[tuple[str, str]],
                start: str | None) -> set[int]:
    """The indexes of the edges that close a cycle, found by a depth-first walk from the
    start (then from any node not reached), children in the order written."""
    out: dict[str, list[int]] = {n: [] for n in nodes}
    for index, (source, _) in enumerate(edges):
        out[source].append(index)
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    back: set[int] = set()
    roots = ([start] if start in out else []) + list(nodes)
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, position = stack[-1]
            if position == len(out[node]):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, position + 1)
            index = out[node][position]
            target = edges[index][1]
            seen = state.get(target)
            if seen == 1:
                back.add(index)
            elif seen is None:
                state[target] = 1
                stack.append((target, 0))
    return back


def _rows(nodes: Sequence[str], edges: Sequence[tuple[str, str]],
          start: str | None) -> dict[str, int]:
    """Each node's row: the longest path to it once the start is on row 0."""
    incoming: dict[str, int] = {n: 0 for n in nodes}
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for source, target in edges:
        out[source].append(target)
        incoming[target] += 1
    row = {n: 0 for n in nodes}
    ready = [n for n in nodes if incoming[n] == 0]
    if start in ready:  # the start first, so it is never pushed below a stray root
        ready.remove(start)
        ready.insert(0, start)
    while ready:
        node = ready.pop(0)
        for target in out[node]:
            row[target] = max(row[target], row[node] + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return row


def layered(nodes: Sequence[str], edges: Sequence[tuple[str, str]], start: str | None = None,
            sizes: Sizes | None = None, room: Mapping[str, float] | None = None) -> Layout:
    """Lay out ``nodes`` (in the order written) joined by ``edges`` (source, target).

    Every node named by an edge must be in ``nodes``. Routes come back in the order of
    ``edges`` (``Route.index``); an edge from a node to itself gets a small loop. ``room``:
    extra height wanted under a node (for the words on many edges leaving it); the gap
    under its row grows to give it."""
    sizes = sizes or Sizes()
    room = room or {}
    known = set(nodes)
    for source, target in edges:
        if source not in known or target not in known:
            raise ValueError(f"edge {source} -> {target} names a node not given")
    back = _back_edges(nodes, edges, start)
    # Turned edges point down like the others; self-loops take no part in the layering.
    forward = [(t, s) if i in back else (s, t) for i, (s, t) in enumerate(edges) if s != t]
    rows = _rows(nodes, forward, start)
    linked = {n for edge in edges for n in edge}
    lonely = [n for n in nodes if n not in linked and n != start]
    if lonely:  # a node no drawn edge touches (an ending reached only by stubs) goes last
        last = max((rows[n] for n in nodes if n not in lonely), default=0)
        rows.update({n: last + 1 for n in lonely})

    # Waypoints: a chain through every row an edge crosses.
    chains: list[list[str]] = []
    width: dict[str, float] = {n: sizes.box_width for n in nodes}
    row_of: dict[str, int] = dict(rows)
    for index, (source, target) in enumerate(edges):
        if source == target:
            chains.append([source])
            continue
        top, bottom = (target, source) if index in back else (source, target)
        chain = [top]
        for row in range(rows[top] + 1, rows[bottom]):
            waypoint = f"\0{index}:{row}"
            width[waypoint] = sizes.waypoint_width
            row_of[waypoint] = row
            chain.append(waypoint)
        chain.append(bottom)
        chains.append(chain)

    count = max(row_of.values(), default=-1) + 1
    up: dict[str, list[str]] = {n: [] for n in row_of}
    down: dict[str, list[str]] = {n: [] for n in row_of}
    for chain in chains:
        for above, below in itertools.pairwise(chain):
            down[above].append(below)
            up[below].append(above)

    layers: list[list[str]] = [[] for _ in range(count)]
    for node in _first_order(nodes, start, down, row_of):
        layers[row_of[node]].append(node)
    _order(layers, up, down)
    x = _columns(layers, up, down, width, sizes)

    tops = [sizes.margin]
    for layer in layers[:-1]:
        extra = max((room.get(n, 0.0) for n in layer), default=0.0)
        tops.append(tops[-1] + sizes.box_height + sizes.row_gap + extra)
    boxes = {}
    for node in nodes:
        row = rows[node]
        boxes[node] = Placed(node, x[node] - width[node] / 2, tops[row], width[node],
                             sizes.box_height, row)
    routes = _routes(edges, chains, back, boxes, x, {n: tops[r] for n, r in row_of.items()},
                     sizes)
    far_right = max((x[n] + width[n] / 2 for n in x), default=0.0)
    lowest = tops[-1] + sizes.box_height if count else 0.0
    return Layout(boxes, tuple(routes), far_right + sizes.margin, lowest + sizes.margin)


def _first_order(nodes: Sequence[str], start: str | None, down: dict[str, list[str]],
                 row_of: dict[str, int]) -> list[str]:
    """Every node and waypoint in the order a walk from the start meets them: a good first
    order inside each row (branches stay near where they leave)."""
    seen: set[str] = set()
    order: list[str] = []
    roots = ([start] if start in row_of else []) + list(nodes)
    for root in roots:
        pending = [root]
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            pending.extend(reversed(down[node]))
    order.extend(n for n in row_of if n not in seen)
    return order


def _crossings(upper: list[str], lower: list[str], up: dict[str, list[str]]) -> int:
    position = {n: i for i, n in enumerate(upper)}
    pairs = [(position[a], j) for j, n in enumerate(lower) for a in up[n] if a in position]
    return sum(1 for i, (a, b) in enumerate(pairs) for c, d in pairs[i + 1:]
               if (a - c) * (b - d) < 0)


def _total(layers: list[list[str]], up: dict[str, list[str]]) -> int:
    return sum(_crossings(layers[i - 1], layers[i], up) for i in range(1, len(layers)))


def _order(layers: list[list[str]], up: dict[str, list[str]],
           down: dict[str, list[str]]) -> None:
    """Barycentre sweeps, down then up, keeping the best order seen."""
    best = [list(layer) for layer in layers]
    best_count = _total(layers, up)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        rows = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for row in rows:
            fixed = layers[row - 1] if downward else layers[row + 1]
            position = {n: i for i, n in enumerate(fixed)}
            near = up if downward else down
            current = {n: i for i, n in enumerate(layers[row])}

            def centre(node: str, near: dict[str, list[str]] = near,
                       position: dict[str, int] = position,
                       current: dict[str, int] = current) -> float:
                linked = [position[n] for n in near[node] if n in position]
                return sum(linked) / len(linked) if linked else float(current[node])

            layers[row].sort(key=lambda n: (centre(n), current[n]))
        count = _total(layers, up)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    layers[:] = best


def _columns(layers: list[list[str]], up: dict[str, list[str]], down: dict[str, list[str]],
             width: dict[str, float], sizes: Sizes) -> dict[str, float]:
    """Centre x of every node: rows packed, then each node pulled towards its neighbours'
    average and rows pushed apart again, a few times; finally everything shifted to the
    margin."""

    def packed(layer: list[str]) -> dict[str, float]:
        x, at = {}, 0.0
        for node in layer:
            x[node] = at + width[node] / 2
            at += width[node] + sizes.column_gap
        return x

    x: dict[str, float] = {}
    widest = max((sum(width[n] + sizes.column_gap for n in layer) for layer in layers),
                 default=0.0)
    for layer in layers:
        placed = packed(layer)
        used = sum(width[n] + sizes.column_gap for n in layer)
        shift = (widest - used) / 2
        x.update({n: v + shift for n, v in placed.items()})

    for sweep in range(SWEEPS):
        near = up if sweep % 2 == 0 else down
        for layer in layers:
            wanted = {}
            for node in layer:
                linked = [x[n] for n in near[node]] or [x[n] for n in up[node] + down[node]]
                wanted[node] = sum(linked) / len(linked) if linked else x[node]
            _spread(layer, wanted, width, sizes.column_gap)
            x.update(wanted)
    left = min((x[n] - width[n] / 2 for n in x), default=0.0)
    return {n: v - left + sizes.margin for n, v in x.items()}


def _spread(layer: list[str], wanted: dict[str, float], width: dict[str, float],
            gap: float) -> None:
    """Move the nodes of a row as little as possible from where they want to be, keeping
    their order and at least ``gap`` between them: push right, push left, average."""
    if not layer:
        return
    right = dict(wanted)
    for before, node in itertools.pairwise(layer):
        least = right[before] + (width[before] + width[node]) / 2 + gap
        right[node] = max(right[node], least)
    left = dict(wanted)
    for after, node in zip(reversed(layer), list(reversed(layer))[1:], strict=False):
        most = left[after] - (width[after] + width[node]) / 2 - gap
        left[node] = min(left[node], most)
    merged = {n: (right[n] + left[n]) / 2 for n in layer}
    for before, node in itertools.pairwise(layer):  # averaging may still overlap
        least = merged[before] + (width[before] + width[node]) / 2 + gap
        merged[node] = max(merged[node], least)
    wanted.update(merged)


def _routes(edges: Sequence[tuple[str, str]], chains: list[list[str]], back: set[int],
            boxes: dict[str, Placed], x: dict[str, float], top_of: dict[str, float],
            sizes: Sizes) -> list[Route]:
    """Points for every edge: leaving the bottom of the upper box and entering the top of
    the lower one, at ports spread along the side in the order of where the edges go, so
    edges from one box do not start on top of each other."""
    leaving: dict[str, list[tuple[float, int]]] = {}
    entering: dict[str, list[tuple[float, int]]] = {}
    for index, chain in enumerate(chains):
        if len(chain) < 2:
            continue
        leaving.setdefault(chain[0], []).append((x[chain[1]], index))
        entering.setdefault(chain[-1], []).append((x[chain[-2]], index))

    def ports(side: dict[str, list[tuple[float, int]]]) -> dict[int, float]:
        result = {}
        for node, items in side.items():
            items.sort()
            box = boxes[node]
            inner = box.width * 0.8
            for order, (_, index) in enumerate(items):
                result[index] = box.x + box.width * 0.1 + inner * (order + 1) / (len(items) + 1)
        return result

    out_port, in_port = ports(leaving), ports(entering)
    routes = []
    for index, chain in enumerate(chains):
        source, target = edges[index]
        if len(chain) == 1:  # a node that leads to itself: a loop on its right side
            box = boxes[source]
            right, middle = box.x + box.width, box.y + box.height / 2
            routes.append(Route(source, target, index, (
                (right, middle - 12), (right + 26, middle - 12), (right + 26, middle + 12),
                (right, middle + 12)), False))
            continue
        points = [(out_port[index], boxes[chain[0]].y + boxes[chain[0]].height)]
        for waypoint in chain[1:-1]:
            top = top_of[waypoint]
            points.append((x[waypoint], top))
            points.append((x[waypoint], top + sizes.box_height))
        points.append((in_port[index], boxes[chain[-1]].y))
        upward = index in back
        if upward:
            points.reverse()
        routes.append(Route(source, target, index, tuple(points), upward))
    return routes
