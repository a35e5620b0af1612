"""Kurmanji and French are complete for the interface and every shipped flow (every text
translated, no fuzzy entry, every placeholder and plural form intact), declared by every
shipped flow, and shipped as drafts: no named reviewer has read them yet."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.flows.library import BUNDLED, flow_files, parse_files
from bot.i18n.completeness import catalog_problems
from bot.i18n.extract import build_template
from bot.i18n.review import read_review
from bot.i18n.texts import DEFAULT_LOCALES, is_rtl, po_path

DRAFTS = ["ku", "fr"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_kurmanji_and_french_are_complete() -> None:
    template = build_template(flow_files([BUNDLED]))
    assert catalog_problems(template, DEFAULT_LOCALES, DRAFTS) == []


@pytest.mark.parametrize("lang", DRAFTS)
def test_every_placeholder_is_kept_in_every_form(lang: str) -> None:
    with po_path(DEFAULT_LOCALES, lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert catalog.num_plurals == 2
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(forms), message.id
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(ids[-1])), \
                (message.id, form)
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("lang", DRAFTS)
def test_every_shipped_flow_declares_the_language(lang: str) -> None:
    flows = parse_files(flow_files([BUNDLED]))
    assert [f for f in flows if lang not in flows[f].languages] == []


@pytest.mark.parametrize("lang", DRAFTS)
def test_they_ship_as_drafts_written_left_to_right(lang: str) -> None:
    review = read_review(DEFAULT_LOCALES, lang)
    assert (review.status, review.reviewed_by) == ("draft", None)
    assert not is_rtl(lang)


@pytest.mark.parametrize("lang", ["ar", "tr"])
def test_arabic_and_turkish_stay_offered_to_the_person(lang: str) -> None:
    assert read_review(DEFAULT_LOCALES, lang).reviewed
