"""Fold place names so that the ways people type them compare equal.

A referrer on a phone types "Sanliurfa", "ŞANLIURFA", "Şanlı Urfa" or "sanlıurfa"; all mean
one place. Python's ``lower()`` turns "I" into "i" (wrong for Turkish, where it is "ı") and
keeps "ı" apart from "i", so we fold both dotted and dotless i to a plain "i", strip every
diacritic (ş→s, ğ→g, ç→c, ö→o, ü→u, â→a; Arabic short vowels too), and treat punctuation
as a space ("K.Maraş" → "k maras"). The directory checks area names with the same fold, so
two hubs can never claim the same district.
"""

from __future__ import annotations

import unicodedata

_DOTLESS = str.maketrans({"ı": "i", "İ": "i", "ـ": ""})  # dotless/dotted i; Arabic tatweel


def fold(text: str) -> str:
    """Lowercase, accent-free, single-spaced; letters and digits only."""
    text = unicodedata.normalize("NFKD", text.translate(_DOTLESS)).casefold()
    kept = []
    for char in text:
        if unicodedata.category(char).startswith("M"):
            continue  # a combining mark: an accent, the dot of İ, an Arabic vowel sign
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


def compact(text: str) -> str:
    """The fold without spaces: "Şanlı Urfa" and "Sanliurfa" both become "sanliurfa"."""
    return fold(text).replace(" ", "")
