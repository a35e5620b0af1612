"""Bar charts as inline SVG text: no script, no font or image to fetch, nothing but the
figures given, so a page (or a future web console) can embed them as they are.

A value of ``None`` is a figure the report does not show (hidden, or none to give): its row
keeps its label and reads "x", with no bar, so a chart never shows more than the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ROW = 22
LABEL = 170
BAR = 300
PAD = 8


def bars(items: Sequence[tuple[str, float | None]], *, title: str, share: bool = False,
         unit: str = "") -> str:
    """Horizontal bars, one per item, scaled to the largest value (to 100 % for shares)."""
    values = [v for _, v in items if v is not None]
    top = 1.0 if share else max(values, default=0.0) or 1.0
    height = PAD * 2 + ROW * (len(items) + 1)
    width = LABEL + BAR + 90
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             f'font-family="sans-serif" font-size="12">',
             f"<title>{escape(title)}</title>",
             f'<text x="{PAD}" y="{PAD + 12}" font-weight="bold">{escape(title)}</text>']
    for number, (label, value) in enumerate(items):
        y = PAD + ROW * (number + 1)
        parts.append(f'<text x="{PAD}" y="{y + 14}">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL}" y="{y + 14}" fill="#666">x</text>')
            continue
        length = round(BAR * value / top, 1)
        shown = f"{value:.0%}" if share else f"{value:g}{unit}"
        parts.append(f'<rect x="{LABEL}" y="{y + 3}" width="{length}" height="{ROW - 8}" '
                     f'fill="#3b6ea5"/>')
        parts.append(f'<text x="{LABEL + length + 4}" y="{y + 14}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
