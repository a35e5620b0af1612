"""Bar charts as inline SVG text: no script, no font or image to fetch, nothing but the
figures given, so a page (or the web console) can embed them as they are.

A value of ``None`` is a figure the report does not show (hidden, or none to give): its row
keeps its label and reads "x", with no bar, so a chart never shows more than the tables. A
text instead of a number is drawn as it is, also without a bar (the console writes "x" for
a hidden figure and "-" for one that does not exist, as its tables do).

``rtl`` mirrors the chart for right-to-left pages: labels on the right, bars growing to the
left, every text written right to left from its anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ROW = 22
LABEL = 170
BAR = 300
PAD = 8


def bars(items: Sequence[tuple[str, float | str | None]], *, title: str,
         share: bool = False, unit: str = "", label_width: int = LABEL,
         rtl: bool = False) -> str:
    """Horizontal bars, one per item, scaled to the largest value (to 100 % for shares)."""
    values = [v for _, v in items if isinstance(v, (int, float))]
    top = 1.0 if share else max(values, default=0.0) or 1.0
    height = PAD * 2 + ROW * (len(items) + 1)
    width = label_width + BAR + 90

    def x(at: float) -> float:  # a distance from the start edge, as a coordinate
        return round(width - at, 1) if rtl else round(at, 1)

    # A right-to-left text starts at its right edge: anchored at its start, it ends leftward.
    anchor = ' text-anchor="start" direction="rtl"' if rtl else ""
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             f'font-family="sans-serif" font-size="12">',
             f"<title>{escape(title)}</title>",
             f'<text x="{x(PAD)}" y="{PAD + 12}" font-weight="bold"{anchor}>'
             f"{escape(title)}</text>"]
    for number, (label, value) in enumerate(items):
        y = PAD + ROW * (number + 1)
        parts.append(f'<text x="{x(PAD)}" y="{y + 14}"{anchor}>{escape(label)}</text>')
        if not isinstance(value, (int, float)):
            mark = "x" if value is None else value
            parts.append(f'<text x="{x(label_width)}" y="{y + 14}" fill="#595959"{anchor}>'
                         f"{escape(mark)}</text>")
            continue
        length = round(BAR * value / top, 1)
        shown = f"{value:.0%}" if share else f"{value:g}{unit}"
        start = x(label_width + length) if rtl else x(label_width)
        parts.append(f'<rect x="{start}" y="{y + 3}" width="{length}" height="{ROW - 8}" '
                     f'fill="#3b6ea5"/>')
        parts.append(f'<text x="{x(label_width + length + 4)}" y="{y + 14}"{anchor}>'
                     f"{escape(shown)}</text>")
    parts.append("</svg>")
    return "".join(parts)
