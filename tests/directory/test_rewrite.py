"""Rewriting one section keeps the coordinators' comments and every other section."""

from __future__ import annotations

from bot.directory.rewrite import replace_section

TEXT = """\
# Our directory
hubs:
  kilis: {names: {en: Kilis}}
services:
  - {agency: a, service: old, profiles: {girls: 1}}

# Deadlines agreed in March
deadlines: {}
"""


def test_the_section_is_replaced_and_the_next_sections_comment_kept() -> None:
    new = replace_section(TEXT, "d.yaml", "services", "services: []\n")
    assert new == TEXT.replace("  - {agency: a, service: old, profiles: {girls: 1}}\n", "")\
        .replace("services:\n", "services: []\n")


def test_a_missing_section_is_appended() -> None:
    text = "hubs:\n  kilis: {names: {en: Kilis}}"
    assert replace_section(text, "d.yaml", "services", "services: []\n") == \
        text + "\n\nservices: []\n"


def test_the_last_section_is_replaced_to_the_end() -> None:
    text = "hubs: {}\nservices:\n  - x\n  - y\n"
    assert replace_section(text, "d.yaml", "services", "services: []\n") == \
        "hubs: {}\nservices: []\n"
