"""A flow drawn as an SVG diagram, server-side, with the same content as a text list.

One flow file's own nodes are drawn (includes are boxes that name, and link to, the flow
they include), so even the longest shipped flow stays a few dozen boxes a coordinator can
follow: questions, messages, consent, risk rating, urgent actions, referrals and endings,
each a labelled box in rows from the start down, edges as arrows labelled by the answer or
condition that takes them ("situation = pwsn", "no valid answer"). The drawing carries a
title and description for screen readers, and :attr:`Diagram.steps` says the same in words
for the list beside it. Texts are shown in any language of the flow (``translate``), the
diagram's own words too (``words``). Pure: the caller escapes nothing, everything written
into the SVG is escaped here.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from bot.flows.layout import Layout, Placed, Route, Sizes, layered
from bot.flows.model import (
    AskNode,
    ConsentNode,
    EndNode,
    Flow,
    IncludeNode,
    ReferNode,
    ReturnNode,
    RiskNode,
    SayNode,
    UrgentNode,
)
from bot.flows.outline import Translate, Words, condition_text, edge_labels
from bot.i18n.texts import N_

#: Links an include box to the included flow's page (None: no link).
Link = Callable[[str], str | None]

#: The box standing for the flow's ``urgent:`` entry (no node id can start with "/").
URGENT_ENTRY = "/urgent"
#: Characters per line of a box's text, and lines at most (the rest is cut with "…").
LINE_CHARS = 30
MAX_LINES = 3
#: An edge label longer than this is cut; its full words stay in the tooltip and the list.
LABEL_CHARS = 26

#: Edge labels of the ways taken when the expected answer does not come.
FALLBACKS = ("invalid", "refused")
KIND_WORDS = {
    "ask": N_("question"), "say": N_("message"), "consent": N_("consent"),
    "risk": N_("risk rating"), "urgent": N_("urgent action"), "refer": N_("referral"),
    "include": N_("includes"), "return": N_("return"), "end": N_("end"),
    "entry": N_("at any question"),
}
START = N_("start")
URGENT_COMMAND = N_("the /urgent command")
FLOW_DIAGRAM = N_("Diagram of the flow %(flow)s")
DIAGRAM_SUMMARY = N_("%(boxes)s boxes joined by %(arrows)s arrows, from the start at the "
                     "top; the list beside it says the same in words.")


@dataclass(frozen=True)
class Exit:
    """One way out of a box: the words on its arrow and the node it leads to."""

    label: str
    target: str
    #: The way taken when no valid answer comes or consent is refused: drawn fainter.
    fallback: bool = False


@dataclass(frozen=True)
class Step:
    """A box in words, for the list beside the drawing."""

    id: str
    kind: str
    kind_words: str
    text: str
    exits: tuple[Exit, ...]
    link: str | None = None
    start: bool = False


@dataclass(frozen=True)
class Diagram:
    svg: str
    steps: tuple[Step, ...]
    width: float
    height: float


def _kind(node: object) -> str:
    kinds = ((AskNode, "ask"), (SayNode, "say"), (ConsentNode, "consent"), (RiskNode, "risk"),
             (UrgentNode, "urgent"), (ReferNode, "refer"), (IncludeNode, "include"),
             (ReturnNode, "return"), (EndNode, "end"))
    return next(name for cls, name in kinds if isinstance(node, cls))


def _text(node: object, show: Translate, words: Words) -> str:
    if isinstance(node, AskNode | SayNode | UrgentNode):
        return show(node.text)
    if isinstance(node, ConsentNode):
        return show(node.script)
    if isinstance(node, EndNode):
        return f"{node.outcome}: {show(node.text)}"
    if isinstance(node, RiskNode):
        return ", ".join(dict.fromkeys(rule.level for rule in node.rules))
    if isinstance(node, ReferNode):
        return ", ".join(f"{r.value} ({condition_text(r.when)})" if r.when else r.value
                         for r in node.case_type)
    if isinstance(node, IncludeNode):
        return node.flow
    return ""


def steps_of(flow: Flow, translate: Translate | None = None, words: Words = str,
             link: Link | None = None) -> list[Step]:
    """The flow's own nodes in the order written, each with its exits; the ``urgent:``
    entry first when the flow has one."""
    show: Translate = translate or (lambda text: text.msgid)
    steps = []
    if flow.urgent:
        steps.append(Step(URGENT_ENTRY, "entry", words(KIND_WORDS["entry"]),
                          words(URGENT_COMMAND),
                          (Exit("", flow.urgent.split("/")[0]),)))
    for node_id, node in flow.nodes.items():
        kind = _kind(node)
        said = edge_labels(node, words)
        exits = tuple(Exit(said.get(label, label), dest, label in FALLBACKS)
                      for label, dest in node.edges())
        steps.append(Step(node_id, kind, words(KIND_WORDS[kind]), _text(node, show, words),
                          exits, link(node.flow) if link and isinstance(node, IncludeNode)
                          else None, node_id == flow.start))
    return steps


def _say(words: Words, message: str, **params: object) -> str:
    """``message`` in the reader's words with ``params`` put in; a translation whose
    placeholders are broken falls back to the English rather than failing the page."""
    try:
        return words(message) % params
    except (KeyError, ValueError, TypeError):
        return message % params


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def _lines(text: str) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), LINE_CHARS) or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES - 1], _cut(" ".join(lines[MAX_LINES - 1:]), LINE_CHARS)]
    return lines


def _path(route: Route) -> str:
    """Straight down (or up) where the points line up; smooth S-curves between rows."""
    points = route.points
    if route.source == route.target:  # a loop on the box's side
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
        return f"M{ax:.1f},{ay:.1f} C{bx:.1f},{by:.1f} {cx:.1f},{cy:.1f} {dx:.1f},{dy:.1f}"
    parts = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        if ax == bx:
            parts.append(f"L{bx:.1f},{by:.1f}")
            continue
        middle = (ay + by) / 2
        parts.append(f"C{ax:.1f},{middle:.1f} {bx:.1f},{middle:.1f} {bx:.1f},{by:.1f}")
    return " ".join(parts)


#: The height of one line of edge words (a label or a stub tag) under a box.
SLOT = 18.0
#: Where the first slot's middle is, below the box.
FIRST_SLOT = 16.0


def _across(route: Route, y: float) -> float:
    """Where the first stretch of a (downward) route is across at height ``y``: the S-curve
    from one row to the next is solved for ``y`` by halving."""
    (ax, ay), (bx, by) = route.points[0], route.points[1]
    if ax == bx or by == ay:
        return ax
    share = min(max((y - ay) / (by - ay), 0.0), 1.0)
    low, high = 0.0, 1.0
    for _ in range(30):  # height along the curve: 1.5 t (1 - t) + t³, rising from 0 to 1
        t = (low + high) / 2
        if 1.5 * t * (1 - t) + t ** 3 < share:
            low = t
        else:
            high = t
    return ax + (bx - ax) * (3 * t * t - 2 * t * t * t)


def _slots(labelled: int, stubs: int, gap: float) -> list[float]:
    """The heights below a box of its edges' labels, one slot each after its stub tags:
    near the middle of the gap when few, stacked from the top when many."""
    first = max(FIRST_SLOT + SLOT * stubs, (gap - SLOT * (labelled - 1)) / 2 - 4)
    return [first + SLOT * i for i in range(labelled)]


def _apart(where: dict[int, tuple[float, float]], widths: dict[int, float],
           routes: tuple[Route, ...]) -> None:
    """Move a label that would cover another (two boxes side by side, each with words in
    the same slot) one slot further along its arrow, a few times at most."""
    placed: list[tuple[float, float, float]] = []

    def covers(x: float, y: float, width: float) -> bool:
        return any(abs(y - py) < 17 and abs(x - px) < (width + pw) / 2 + 2
                   for px, py, pw in placed)

    for index in sorted(where, key=lambda i: (where[i][1], where[i][0])):
        x, y = where[index]
        route = routes[index]
        for _ in range(4):
            if not covers(x, y, widths[index]):
                break
            if route.upward:  # along a way back up: just higher
                y -= SLOT
                continue
            y += SLOT
            x = _across(route, y)
        where[index] = (x, y)
        placed.append((x, y, widths[index]))


def _room(labelled: int, stubs: int, gap: float) -> float:
    """Extra height under a box so that all its slots fit above the next row."""
    return max(FIRST_SLOT + SLOT * (labelled + stubs) + 14 - gap, 0.0)


_STYLE = """
.box rect{stroke-width:1.5px}
.ask rect{fill:#e8f0fb;stroke:#1f5fa8}
.say rect{fill:#f3f3f1;stroke:#5b5b55}
.consent rect{fill:#fff4d6;stroke:#8a6100}
.risk rect{fill:#f1e8fa;stroke:#6b3aa0}
.urgent rect{fill:#fde7e7;stroke:#b3261e}
.refer rect{fill:#e4f4e8;stroke:#1e7a3c}
.end rect{fill:#ececec;stroke:#333}
.include rect{fill:#fff;stroke:#1f5fa8;stroke-dasharray:6 3}
.return rect{fill:#fff;stroke:#5b5b55;stroke-dasharray:2 3}
.entry rect{fill:#fff;stroke:#b3261e;stroke-dasharray:6 3}
.start rect{stroke-width:3.5px}
.kind{font:600 11px system-ui,sans-serif;fill:#3a3a36;letter-spacing:.02em}
.id{font:600 11px ui-monospace,monospace;fill:#1b1b18}
.txt{font:12px system-ui,sans-serif;fill:#1b1b18}
.edge{fill:none;stroke:#55554f;stroke-width:1.3px}
.edge.up{stroke:#8a6100;stroke-dasharray:5 3}
.edge.fallback{stroke:#8c8c86;stroke-dasharray:3 3}
.lbl{font:11px system-ui,sans-serif;fill:#1b1b18}
.halo{fill:#fff;fill-opacity:.92}
.stubtag{stroke:#8c8c86;stroke-width:1px}
a .txt{fill:#1f5fa8;text-decoration:underline}
a:focus rect,a:hover rect{stroke-width:3px}
"""


def _box(step: Step, box: Placed, rtl: bool, words: Words, key: str) -> str:
    classes = f"box {step.kind}" + (" start" if step.start else "")
    cx = box.x + box.width / 2
    head = step.kind_words + (f" · {words(START)}" if step.start else "")
    direction = f' direction="{"rtl" if rtl else "ltr"}"'
    parts = [f'<g class="{classes}" id="{key}node-{escape(step.id)}">',
             f"<title>{escape(step.id)}: {escape(step.text)}</title>",
             f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
             f'height="{box.height:.1f}" rx="8"/>',
             f'<text class="kind" x="{cx:.1f}" y="{box.y + 15:.1f}" '
             f'text-anchor="middle"{direction}>{escape(head)}</text>']
    parts.append(f'<text class="id" x="{cx:.1f}" y="{box.y + 29:.1f}" '
                 f'text-anchor="middle" direction="ltr">{escape(_cut(step.id, LINE_CHARS))}'
                 "</text>")
    for number, line in enumerate(_lines(step.text)):
        parts.append(f'<text class="txt" x="{cx:.1f}" y="{box.y + 45 + number * 14:.1f}" '
                     f'text-anchor="middle"{direction}>{escape(line)}</text>')
    parts.append("</g>")
    if step.link:  # the whole box leads to the included flow
        return f'<a href="{escape(step.link)}">{"".join(parts)}</a>'
    return "".join(parts)


def _stubs(steps: list[Step]) -> dict[tuple[str, Exit], int]:
    """The fallback exits drawn as a short tag under their box instead of a long arrow:
    those to an ending that several fallbacks lead to (every question's "no valid answer"
    ends the same way, and as arrows they would cross the whole drawing). The value is the
    tag's place among its box's tags."""
    kinds = {step.id: step.kind for step in steps}
    count: dict[str, int] = {}
    for step in steps:
        for exit in step.exits:
            if exit.fallback and kinds.get(exit.target) == "end":
                count[exit.target] = count.get(exit.target, 0) + 1
    stubs: dict[tuple[str, Exit], int] = {}
    for step in steps:
        order = 0
        for exit in step.exits:
            if exit.fallback and count.get(exit.target, 0) > 1:
                stubs[(step.id, exit)] = order
                order += 1
    return stubs


def _stub(box: Placed, exit: Exit, order: int, rtl: bool, key: str) -> str:
    words = _cut(f"{exit.label} → {exit.target}", LABEL_CHARS + 12)
    width = 6.2 * len(words) + 10
    right = box.x + box.width - 6
    top = box.y + box.height
    y = top + 16 + order * 18
    return (f'<a href="#{key}node-{escape(exit.target)}" class="stub"><title>'
            f"{escape(exit.label)} → {escape(exit.target)}</title>"
            f'<path class="edge fallback" d="M{right - 10:.1f},{top:.1f} '
            f'L{right - 10:.1f},{y - 8:.1f}"/>'
            f'<rect class="halo stubtag" x="{right - width:.1f}" y="{y - 8:.1f}" '
            f'width="{width:.1f}" height="16" rx="8"/>'
            f'<text class="lbl" x="{right - width / 2:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="middle" direction="{"rtl" if rtl else "ltr"}">'
            f"{escape(words)}</text></a>")


def draw(flow: Flow, translate: Translate | None = None, words: Words = str,
         link: Link | None = None, rtl: bool = False, sizes: Sizes | None = None,
         key: str = "") -> Diagram:
    """The diagram of one flow file's own nodes (``rtl``: texts read right to left).
    ``key`` starts every id in the drawing, so several diagrams can share a page."""
    steps = steps_of(flow, translate, words, link)
    ids = [step.id for step in steps]
    stubs = _stubs(steps)
    drawn = [(step, exit) for step in steps for exit in step.exits
             if (step.id, exit) not in stubs]
    edges = [(step.id, exit.target) for step, exit in drawn]
    labels = [exit.label for _, exit in drawn]
    fallback = [exit.fallback for _, exit in drawn]
    sizes = sizes or Sizes()
    counted: dict[str, list[int]] = {}
    for index, ((source, target), label) in enumerate(zip(edges, labels, strict=True)):
        if label and source != target:
            counted.setdefault(source, []).append(index)
    tags = {step.id: sum(1 for (source, _) in stubs if source == step.id) for step in steps}
    room = {node: _room(len(counted.get(node, ())), tags.get(node, 0), sizes.row_gap)
            for node in ids}
    layout: Layout = layered(ids, edges, flow.start, sizes, room)
    title = _say(words, FLOW_DIAGRAM, flow=flow.id)
    summary = _say(words, DIAGRAM_SUMMARY, boxes=len(steps), arrows=len(edges) + len(stubs))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img" '
           f'aria-labelledby="{key}diagram-title {key}diagram-desc" '
           f'width="{layout.width:.0f}" height="{layout.height:.0f}" '
           f'viewBox="0 0 {layout.width:.0f} {layout.height:.0f}">',
           f'<title id="{key}diagram-title">{escape(title)}</title>',
           f'<desc id="{key}diagram-desc">{escape(summary)}</desc>',
           f"<style>{_STYLE}</style>",
           f'<defs><marker id="{key}arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#55554f"/></marker></defs>',
           '<g class="edges">']
    where: dict[int, tuple[float, float]] = {}
    for source, indexes in counted.items():
        box = layout.boxes[source]
        down = sorted((layout.routes[i] for i in indexes if not layout.routes[i].upward),
                      key=lambda r: r.points[1][0])
        bottom = box.y + box.height
        for route, slot in zip(down, _slots(len(down), tags.get(source, 0), sizes.row_gap),
                               strict=True):
            where[route.index] = (_across(route, bottom + slot), bottom + slot)
        for i in indexes:  # a way back up: its words halfway along its first stretch
            route = layout.routes[i]
            if route.upward:
                (ax, ay), (bx, by) = route.points[0], route.points[1]
                where[i] = ((ax + bx) / 2, (ay + by) / 2)
    _apart(where, {i: 6.2 * len(_cut(labels[i], LABEL_CHARS)) + 8 for i in where},
           layout.routes)
    texts = []
    for route in layout.routes:
        label = labels[route.index]
        css = "edge" + (" up" if route.upward else "") + (
            " fallback" if fallback[route.index] else "")
        tip = f"{route.source} → {route.target}" + (f": {label}" if label else "")
        out.append(f'<path class="{css}" d="{_path(route)}" marker-end="url(#{key}arrow)">'
                   f"<title>{escape(tip)}</title></path>")
        if not label or route.source == route.target:
            continue
        x, y = where[route.index]
        shown = _cut(label, LABEL_CHARS)
        width = 6.2 * len(shown) + 8  # as _apart measures it
        texts.append(f'<g><title>{escape(label)}</title>'
                     f'<rect class="halo" x="{x - width / 2:.1f}" y="{y - 9:.1f}" '
                     f'width="{width:.1f}" height="16" rx="3"/>'
                     f'<text class="lbl" x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle"'
                     f' direction="{"rtl" if rtl else "ltr"}">'
                     f"{escape(shown)}</text></g>")
    for (source, exit), order in stubs.items():
        texts.append(_stub(layout.boxes[source], exit, order, rtl, key))
    out.append("</g>")
    out.append('<g class="boxes">')
    out.extend(_box(step, layout.boxes[step.id], rtl, words, key) for step in steps)
    out.append("</g>")
    out.append(f'<g class="labels">{"".join(texts)}</g>')
    out.append("</svg>")
    return Diagram("".join(out), tuple(steps), layout.width, layout.height)
