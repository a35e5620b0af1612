"""Translations managed from the console: how complete and how reviewed each language is,
a language's PO file to download, and an uploaded PO file accepted only when it passes the
checks of ``intake i18n check``.

An accepted catalog is stored in the database (``storage.catalogs``), never written over the
shipped files: every process serves a language's newest stored catalog over its PO file
(:class:`ServedTexts` polls the store's version, as the flow library polls publications),
so an upload reaches every running bot within seconds and survives a redeploy; a text the
upload does not translate is served from the shipped file (:func:`overlay`). An upload
carries its own review status: reviewed by the person the coordinator names, or a draft,
which the referrer may use but which is not offered to the person referred.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import logging
import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.flows.library import flow_files, parse_files
from bot.i18n.completeness import catalog_problems, language_name, read_catalog
from bot.i18n.extract import build_template
from bot.i18n.review import Review, ReviewError, read_review
from bot.i18n.texts import SOURCE_LANGUAGE, Texts, is_rtl, po_path
from bot.polling import POLL_SECONDS, Poll
from bot.ports import Clock

#: An uploaded PO file may be at most this large (the shipped ones are about 140 kB).
MAX_PO_BYTES = 1_000_000
#: A reviewer is named, not described: letters, spaces and the usual punctuation of names.
REVIEWER_LENGTH = 80
#: Flow texts carry a ``flow:...`` context (``bot.i18n.extract``); the rest is interface.
FLOW_CONTEXT = "flow:"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredCatalog:
    """A PO file accepted through the console, as stored."""

    id: int
    language: str
    content: str
    checksum: str
    uploaded_at: datetime
    uploaded_by: str
    reviewed_by: str | None = None
    reviewed_on: date | None = None

    def review(self) -> Review:
        if self.reviewed_by:
            return Review(self.language, "reviewed", self.reviewed_by, self.reviewed_on)
        return Review(self.language)


class CatalogStore(Protocol):
    def version(self) -> int:
        """The id of the newest stored catalog of any language (0: none)."""

    def latest(self) -> dict[str, StoredCatalog]:
        """The newest stored catalog of each language that has one."""

    def add(self, catalog: StoredCatalog) -> int:
        """Store an accepted catalog (its ``id`` is ignored); returns the new id."""


class CatalogsUnavailable(RuntimeError):
    """The store cannot be read now (its table not migrated yet, the database away)."""


class CatalogRejected(ValueError):
    """An upload that does not pass the checks; ``problems`` lists every one, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(problems[0] if problems else "rejected")
        self.problems = list(problems)


@dataclass(frozen=True)
class Coverage:
    """Texts translated (complete, not fuzzy, right plurals and placeholders) of all."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass(frozen=True)
class LanguageStatus:
    code: str
    name: str
    rtl: bool
    interface: Coverage
    flows: Coverage
    review: Review
    #: Why the review status could not be read, if it could not (then it counts as draft).
    review_error: str | None
    #: The stored upload served for this language; None: the shipped PO file is served.
    uploaded: StoredCatalog | None

    @property
    def complete(self) -> bool:
        return self.interface.complete and self.flows.complete


def check_reviewer(name: str) -> str | None:
    """The reviewer's name, trimmed, or None for a draft; ``ValueError`` says what is wrong."""
    text = " ".join(name.split())
    if not text:
        return None
    if len(text) > REVIEWER_LENGTH:
        raise ValueError(f"a reviewer's name is at most {REVIEWER_LENGTH} characters")
    if "@" in text or any(ch.isdigit() for ch in text) or not text.isprintable():
        raise ValueError("the reviewer is named by their name only: no digits, e-mail "
                         "addresses or @usernames")
    return text


class ServedTexts(Texts):
    """:class:`Texts` over the shipped catalogs, with each language's newest catalog from
    ``store`` served instead, followed as uploads arrive (polled at most every ``interval``
    seconds). The store unreachable, what was served stays served."""

    def __init__(self, locales: Path, store: CatalogStore, interval: float = POLL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(locales)
        self._store = store
        self._poll = Poll(interval, clock)  # when to ask the store again (bot.polling)
        self._version = 0
        self._stored: dict[str, StoredCatalog] = {}

    def refresh(self, force: bool = False) -> bool:
        """Load the newest stored catalogs if the store has new ones; True if it had."""
        return self._poll.ask(self._refresh, force)

    def _refresh(self) -> bool:
        try:
            version = self._store.version()
            if version == self._version:
                return False
            stored = self._store.latest()
        except CatalogsUnavailable as error:  # not migrated yet, or the database is away
            log.warning("stored translations not read: %s", error)
            return False
        compiled: dict[str, gettext.NullTranslations] = {}
        for lang, catalog in stored.items():
            try:
                compiled[lang] = compile_catalog(overlay(catalog.content, lang, self.locales))
            except (PoFileError, ValueError) as error:  # checked on upload; say, skip
                log.error("stored catalog %d (%s) unusable: %s", catalog.id, lang, error)
        self._cache = compiled  # the shipped files load again on demand for the rest
        self._stored = stored
        self._version = version
        return True

    def catalog(self, lang: str) -> gettext.NullTranslations:
        self.refresh()
        return super().catalog(lang)

    def review(self, lang: str) -> Review:
        self.refresh()
        stored = self._stored.get(lang)
        return stored.review() if stored is not None else super().review(lang)

    def stored(self) -> dict[str, StoredCatalog]:
        self.refresh()
        return dict(self._stored)


def served_catalogs(store: CatalogStore, locales: Path) -> Callable[[str], Catalog | None]:
    """Each language's catalog as every process serves it now: its newest upload over the
    shipped file (:func:`overlay`), else the shipped file; None for neither. What a flow
    publish checks its translations against. The store is read at this call; unreadable
    (not migrated yet), nothing uploaded can be served, so the shipped files count."""
    try:
        stored = store.latest()
    except CatalogsUnavailable as error:
        log.warning("stored translations not read: %s", error)
        stored = {}

    def read(lang: str) -> Catalog | None:
        found = stored.get(lang)
        return overlay(found.content, lang, locales) if found is not None else \
            read_catalog(locales, lang)
    return read


def overlay(content: str, lang: str, locales: Path) -> Catalog:
    """An uploaded catalog over the shipped one: every text the upload lacks, or leaves
    empty, is taken from the shipped file. So a later release that ships translations of new
    texts serves them, though an older upload stays served for everything it translates."""
    catalog = read_po(io.StringIO(content), locale=lang)
    shipped = read_catalog(locales, lang)
    for message in shipped if shipped is not None else ():
        if not message.id or message.fuzzy or not _filled(message):
            continue
        own = catalog.get(message.id, context=message.context)
        if own is None:
            catalog.add(message.id, message.string, locations=message.locations,
                        flags=message.flags, auto_comments=message.auto_comments,
                        context=message.context)
        elif not _filled(own):
            own.string = message.string
    return catalog


def _filled(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class TranslationDesk:
    """What the console's translations page reads and does."""

    def __init__(self, locales: Path, flows: Sequence[Path], store: CatalogStore,
                 texts: ServedTexts, clock: Clock, template: Catalog | None = None) -> None:
        self.locales = locales
        self.flows = tuple(flows)
        self.store = store
        self.texts = texts
        self.clock = clock
        #: Built from the code and the flows on first use, unless given (tests).
        self._template = template
        self._parts: tuple[Catalog, Catalog] | None = None
        #: Counting a catalog reads it twice: kept per language and content (a few entries).
        self._coverage: dict[tuple[str, str], tuple[Coverage, Coverage]] = {}
        #: An upload merged over the shipped file, per stored catalog id.
        self._merged: dict[int, bytes] = {}
        self._declared: frozenset[str] | None = None
        self._lock = threading.Lock()

    def template(self) -> Catalog:
        """Every text to translate (``intake i18n extract``), built once per process."""
        with self._lock:
            if self._template is None:
                self._template = build_template(flow_files(self.flows))
            return self._template

    def languages(self) -> list[str]:
        """The languages with a catalog: declared by a flow, shipped, or uploaded."""
        if self._declared is None:
            flows = parse_files(flow_files(self.flows))
            self._declared = frozenset(lang for flow in flows.values()
                                       for lang in flow.languages)
        shipped = {path.name for path in self.locales.iterdir()
                   if po_path(self.locales, path.name).exists()} if self.locales.is_dir() \
            else set()
        found = set(self._declared) | shipped | set(self.texts.stored())
        return sorted(found - {SOURCE_LANGUAGE})

    def served(self, lang: str) -> bytes | None:
        """The PO file served for ``lang``: the newest upload over the shipped file (see
        :func:`overlay`), else the shipped file."""
        stored = self.texts.stored().get(lang)
        if stored is not None:
            if stored.id not in self._merged:
                buffer = io.BytesIO()
                write_po(buffer, overlay(stored.content, lang, self.locales), width=96)
                self._merged[stored.id] = buffer.getvalue()
            return self._merged[stored.id]
        path = po_path(self.locales, lang)
        return path.read_bytes() if path.exists() else None

    def parts(self) -> tuple[Catalog, Catalog]:
        """The template's interface texts and its flow texts, split once per process."""
        template = self.template()
        with self._lock:
            if self._parts is None:
                self._parts = _split(template)
            return self._parts

    def status(self) -> list[LanguageStatus]:
        parts = self.parts()
        stored = self.texts.stored()
        found = []
        for lang in self.languages():
            content = self.served(lang)
            key = (lang, hashlib.sha256(content or b"").hexdigest())
            if key not in self._coverage:
                interface, flows = (_coverage(part, lang, content) for part in parts)
                self._coverage[key] = (interface, flows)
            counts = self._coverage[key]
            review_error = None
            if lang in stored:
                review = stored[lang].review()
            else:
                try:
                    review = read_review(self.locales, lang)
                except ReviewError as error:
                    review, review_error = Review(lang), str(error)
            found.append(LanguageStatus(lang, language_name(lang), is_rtl(lang), counts[0],
                                        counts[1], review, review_error, stored.get(lang)))
        return found

    def download(self, lang: str) -> bytes:
        """The served PO file of a known language; for one without a catalog yet, an empty
        catalog of every text to translate. ``KeyError`` for an unknown language."""
        if lang not in self.languages():
            raise KeyError(lang)
        served = self.served(lang)
        if served is not None:
            return served
        catalog = Catalog(locale=lang, project="intake", version="1", charset="utf-8")
        for message in self.template():
            if message.id:
                catalog.add(message.id, context=message.context,
                            locations=message.locations, auto_comments=message.auto_comments)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=96)
        return buffer.getvalue()

    def check(self, lang: str, filename: str, data: bytes) -> str:
        """The upload's text if it may be accepted for ``lang``; otherwise
        :class:`CatalogRejected` with every problem."""
        if lang not in self.languages():
            raise CatalogRejected([f"unknown language '{lang}'"])
        name = Path(filename or "upload").name
        if not name.endswith(".po"):
            return _rejected(f"{name}: not a PO file (the name must end in .po)")
        if not data.strip():
            return _rejected(f"{name}: the file is empty")
        if len(data) > MAX_PO_BYTES:
            return _rejected(f"{name}: {len(data):,} bytes is over the limit of "
                             f"{MAX_PO_BYTES:,}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return _rejected(f"{name}: not UTF-8 text (byte {error.start + 1})")
        try:
            catalog = read_po(io.StringIO(text), abort_invalid=True)
        except PoFileError as error:
            return _rejected(f"{name}: line {error.lineno + 1}: "
                             f"{re.sub(r' on -?[0-9]+$', '', str(error))}")
        problems = _header_problems(name, catalog, lang)
        if not problems:
            problems = _content_problems(self.template(), lang, text)
        if problems:
            raise CatalogRejected(problems)
        return text

    def accept(self, lang: str, filename: str, data: bytes, *, by: str,
               reviewed_by: str | None = None) -> StoredCatalog:
        """Check the upload and store it as what every process serves for ``lang``."""
        text = self.check(lang, filename, data)
        now = self.clock.now()
        stored = StoredCatalog(0, lang, text, hashlib.sha256(text.encode("utf-8")).hexdigest(),
                               now, by, reviewed_by, now.date() if reviewed_by else None)
        stored = replace(stored, id=self.store.add(stored))
        self.texts.refresh(force=True)
        return stored


def _rejected(problem: str) -> str:
    raise CatalogRejected([problem])


def _header_problems(name: str, catalog: Catalog, lang: str) -> list[str]:
    """The file must say it is for ``lang``, with the plural forms ``lang`` has."""
    problems = []
    said = str(catalog.locale) if catalog.locale is not None else None
    if said is not None and said != lang:
        problems.append(f"{name}: the file is for '{said}' (its Language header), "
                        f"not '{lang}'")
    try:
        wanted = get_plural(lang).num_plurals
    except (UnknownLocaleError, ValueError):
        wanted = None
    if wanted is not None and catalog.num_plurals != wanted:
        problems.append(f"{name}: the Plural-Forms header gives {catalog.num_plurals} "
                        f"forms; {language_name(lang)} has {wanted}")
    return problems


def _content_problems(template: Catalog, lang: str, text: str) -> list[str]:
    """Exactly what ``intake i18n check`` says about the file as ``lang``'s catalog."""
    with tempfile.TemporaryDirectory(prefix="intake-po-") as folder:
        path = po_path(Path(folder), lang)
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        return catalog_problems(template, Path(folder), [lang])


def _split(template: Catalog) -> tuple[Catalog, Catalog]:
    """The template's interface texts and its flow texts, as two templates."""
    interface, flows = Catalog(), Catalog()
    for message in template:
        if not message.id:
            continue
        part = flows if (message.context or "").startswith(FLOW_CONTEXT) else interface
        part.add(message.id, context=message.context)
    return interface, flows


def _coverage(part: Catalog, lang: str, content: bytes | None) -> Coverage:
    total = sum(1 for message in part if message.id)
    if content is None:
        return Coverage(0, total)
    try:
        problems = _content_problems(part, lang, content.decode("utf-8-sig"))
    except (PoFileError, UnicodeDecodeError, ValueError):
        return Coverage(0, total)
    return Coverage(total - len(problems), total)
