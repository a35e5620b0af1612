"""The console's own style sheet: text colours meet WCAG AA contrast on the backgrounds
they are used on, and layout uses logical properties only, so Arabic pages mirror."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "bot" / "console" / "static" / "console.css"


def colours() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text(encoding="utf-8")))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(("text", "background"), [
    ("ink", "paper"), ("ink", "wash"), ("ink-muted", "paper"), ("ink-muted", "wash"),
    ("accent", "paper"), ("accent", "wash"), ("accent-ink", "accent"),
    ("accent-ink", "accent-dark"), ("paper", "danger"), ("danger", "danger-wash"),
    ("ok", "ok-wash"), ("warn", "warn-wash"), ("paper", "ink"),
])
def test_text_meets_aa_contrast(text: str, background: str) -> None:
    found = colours()
    assert contrast(found[text], found[background]) >= 4.5


def test_the_contrast_formula_knows_black_on_white() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#ffffff") < 4.5  # a grey that fails


def test_no_physical_left_or_right_in_the_layout() -> None:
    rules = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    assert not re.findall(r"(?<![\w-])(left|right)(?![\w-])|-(left|right)\b", rules)
