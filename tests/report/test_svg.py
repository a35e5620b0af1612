"""Bar charts draw one bar per shown figure scaled to the largest (shares to 100 %), a mark
without a bar for a figure not shown, escape every text, and mirror for right-to-left."""

from __future__ import annotations

import re

from bot.report.svg import BAR, LABEL, bars


def rects(chart: str) -> list[tuple[float, float]]:
    return [(float(x), float(w)) for x, w in
            re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', chart)]


def test_bars_are_scaled_to_the_largest_and_marks_have_none() -> None:
    chart = bars([("gaziantep", 10.0), ("hatay", 5.0), ("kilis", None), ("mardin", "-")],
                 title="Referrals <per> hub")
    assert rects(chart) == [(LABEL, BAR), (LABEL, BAR / 2)]
    assert ">x</text>" in chart and ">-</text>" in chart
    assert "Referrals &lt;per&gt; hub" in chart and "<per>" not in chart


def test_shares_are_scaled_to_a_hundred_percent() -> None:
    chart = bars([("a", 0.5)], title="t", share=True)
    assert rects(chart) == [(LABEL, BAR / 2)] and ">50%</text>" in chart


def test_right_to_left_mirrors_labels_and_bars() -> None:
    chart = bars([("غازي عنتاب", 10.0), ("هاتاي", 5.0)], title="الإحالات", rtl=True,
                 label_width=200)
    width = 200 + BAR + 90
    assert f'width="{width}"' in chart
    # bars end where the labels begin, on the right, and grow to the left
    assert rects(chart) == [(width - 200 - BAR, BAR), (width - 200 - BAR / 2, BAR / 2)]
    assert chart.count('text-anchor="start" direction="rtl"') == 1 + 2 * 2
    assert f'<text x="{width - 8}" y="' in chart
