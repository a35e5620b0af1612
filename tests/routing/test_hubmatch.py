"""Hub matching: ids, names and districts however a phone keyboard spells them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.directory import load_directory
from bot.directory.folding import compact, fold
from bot.directory.model import Directory, Hub
from bot.routing.hubmatch import match_hub

SAMPLE = load_directory()


@pytest.mark.parametrize(("text", "hub", "how"), [
    ("sanliurfa", "sanliurfa", "exact"),          # the id
    ("Şanlıurfa", "sanliurfa", "exact"),          # Turkish name, dotless ı
    ("Sanliurfa", "sanliurfa", "exact"),          # typed without Turkish letters
    ("ŞANLIURFA", "sanliurfa", "exact"),          # capitals: I must not stay apart from ı
    ("sanlıurfa", "sanliurfa", "exact"),
    ("Şanlı Urfa", "sanliurfa", "exact"),         # written in two words
    ("urfa", "sanliurfa", "part"),                # the everyday short name
    ("شانلي أورفة", "sanliurfa", "exact"),        # Arabic name
    ("Suruç", "sanliurfa", "exact"),              # a district
    ("Suruc", "sanliurfa", "exact"),
    ("Antep", "gaziantep", "part"),
    ("Gazientep", "gaziantep", "typo"),
    ("gaziantep", "gaziantep", "exact"),
    ("İSKENDERUN", "hatay", "exact"),             # dotted capital İ
    ("ıskenderun", "hatay", "exact"),             # lowered on a Turkish keyboard
    ("Reyhanli", "hatay", "exact"),
    ("Hatya", "hatay", "typo"),
    ("K.Maraş", "malatya_adiyaman_kmaras", "exact"),
    ("kahramanmaras", "malatya_adiyaman_kmaras", "exact"),
    ("Adıyaman", "malatya_adiyaman_kmaras", "exact"),
    ("Nusaibin", "mardin", "typo"),
    ("  osmaniye ", "adana_osmaniye", "exact"),
    ("Kils", "kilis", "typo"),
])
def test_a_hub_is_found_from_what_the_referrer_typed(text: str, hub: str, how: str) -> None:
    found = match_hub(SAMPLE, text)
    assert (found.hub, found.how) == (hub, how)


@pytest.mark.parametrize("text", ["", None, "   ", "an", "Atlantis", "Istanbul"])
def test_nothing_close_finds_no_hub(text: str | None) -> None:
    found = match_hub(SAMPLE, text)
    assert (found.hub, found.candidates) == (None, ())


def test_a_text_that_fits_two_hubs_returns_both_as_candidates() -> None:
    directory = Directory(hubs={
        "north": Hub("north", {"en": "North"}, ("Karacaören",)),
        "south": Hub("south", {"en": "South"}, ("Karacaoğlan",)),
    })
    found = match_hub(directory, "karaca")
    assert (found.hub, found.how, found.candidates) == (None, "part", ("north", "south"))


def test_folding_treats_turkish_i_and_accents_as_plain_letters() -> None:
    assert fold("K.Maraş") == "k maras"
    assert fold("İĞDIR Iğdır") == "igdir igdir"
    assert compact("Şanlı Urfa") == compact("SANLIURFA") == "sanliurfa"


@given(st.text(max_size=30))
def test_folding_is_idempotent_and_leaves_no_capitals_or_marks(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.casefold() and "  " not in folded
