"""Look up translated texts for two languages at once: the referrer's and the person's.

Catalogs are the PO files under ``locales/<lang>/LC_MESSAGES/messages.po``. A compiled
``.mo`` beside it is used when it is newer; otherwise the PO is compiled in memory, so a
translator's edit shows up without a build step. Fuzzy entries are never used.

Whether a language may reach the person referred depends on its review status
(``bot.i18n.review``): a draft serves the referrer only. The status file is read again when
it changes, so marking a catalog reviewed needs no restart.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.flows.model import Text
from bot.i18n.review import Review, ReviewError, read_review, review_path

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
#: Right-to-left languages. ``ku`` is Kurmanji in Latin script (left to right); Sorani,
#: written in Arabic script, is ``ckb``.
RTL_LANGUAGES = frozenset({"ar", "ckb", "fa", "he", "ur"})
_FSI, _PDI = "\u2068", "\u2069"


def bundled_locales(package: Path | None = None) -> Path:
    """Where the shipped catalogs lie for the ``bot`` package at ``package``.

    An installed wheel carries them inside the package (the top-level ``locales/`` folder is
    mapped to ``bot/locales`` by setup.py); in the source tree, and in an editable install,
    they are the top-level ``locales/`` folder beside the package.
    """
    package = package or Path(__file__).resolve().parents[1]
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


DEFAULT_LOCALES = bundled_locales()


def po_path(locales: Path, lang: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(locales: Path, lang: str) -> gettext.NullTranslations:
    po = po_path(locales, lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Texts:
    """Translations by language, loaded once per language and shared."""

    def __init__(self, locales: Path = DEFAULT_LOCALES) -> None:
        self.locales = locales
        self._cache: dict[str, gettext.NullTranslations] = {}
        self._reviews: dict[str, tuple[tuple[int, int] | None, Review]] = {}

    def catalog(self, lang: str) -> gettext.NullTranslations:
        if lang not in self._cache:
            self._cache[lang] = (gettext.NullTranslations() if lang == SOURCE_LANGUAGE
                                 else _load(self.locales, lang))
        return self._cache[lang]

    def review(self, lang: str) -> Review:
        """The review status of ``lang``'s catalog, read again when its file changes; an
        unreadable status file counts as a draft (``intake i18n check`` names the fault)."""
        if lang == SOURCE_LANGUAGE:
            return Review(lang, "reviewed", "the source language")
        path = review_path(self.locales, lang)
        try:
            status = path.stat()
            stamp: tuple[int, int] | None = (status.st_mtime_ns, status.st_size)
        except OSError:
            stamp = None
        cached = self._reviews.get(lang)
        if cached is None or cached[0] != stamp:
            try:
                review = read_review(self.locales, lang)
            except ReviewError:
                review = Review(lang)
            self._reviews[lang] = cached = (stamp, review)
        return cached[1]

    def reviewed(self, lang: str) -> bool:
        """May ``lang`` be offered to the person referred (its catalog reviewed)?"""
        return self.review(lang).reviewed

    def flow(self, text: Text, lang: str) -> str:
        return self.catalog(lang).pgettext(text.context, text.msgid)

    def gettext(self, lang: str, message: str, **params: object) -> str:
        return self._format(self.catalog(lang).gettext(message), lang, params)

    def ngettext(self, lang: str, singular: str, plural: str, num: int,
                 **params: object) -> str:
        translated = self.catalog(lang).ngettext(singular, plural, num)
        return self._format(translated, lang, {"num": num, **params})

    def _format(self, message: str, lang: str, params: dict[str, object]) -> str:
        if not params:
            return message
        return message % {k: isolate(v, lang) for k, v in params.items()}


def is_rtl(lang: str) -> bool:
    return lang.split("_")[0] in RTL_LANGUAGES


def isolate(value: object, lang: str) -> str:
    """Wrap inserted codes and numbers in first-strong isolates inside right-to-left text."""
    text = str(value)
    return f"{_FSI}{text}{_PDI}" if is_rtl(lang) else text


def N_(message: str) -> str:  # noqa: N802
    """Mark a string for extraction without translating it yet (the conventional name)."""
    return message
