"""Whether a language's catalog was reviewed by a named person: data beside the catalog.

A catalog written or filled with machine help is a *draft*. The referrer may use a draft
(with a note that it is in review), but a flow offers a language to the person referred,
consent scripts included, only once a named reviewer has marked its catalog reviewed.

The status lies in ``locales/<lang>/review.yaml``, a small file a coordinator can edit by hand
or write with ``intake i18n review``::

    status: reviewed          # draft | reviewed
    reviewed_by: Leyla Demir  # who read the whole catalog (required when reviewed)
    reviewed_on: 2026-12-02   # when (YYYY-MM-DD)
    note: read against the printed SOP annexes

A language without the file is a draft. The source language (English) needs no review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

REVIEW_FILE = "review.yaml"
STATUSES = ("draft", "reviewed")
_FIELDS = ("status", "reviewed_by", "reviewed_on", "note")


class ReviewError(ValueError):
    """A review file that cannot be read as a review status (the message says why)."""


@dataclass(frozen=True)
class Review:
    lang: str
    status: str = "draft"
    reviewed_by: str | None = None
    reviewed_on: date | None = None
    note: str | None = None

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed"

    def describe(self) -> str:
        """One line for people: ``reviewed by NAME on DATE`` or ``draft``."""
        if not self.reviewed:
            return "draft"
        when = f" on {self.reviewed_on.isoformat()}" if self.reviewed_on else ""
        return f"reviewed by {self.reviewed_by}{when}"


def review_path(locales: Path, lang: str) -> Path:
    return locales / lang / REVIEW_FILE


def _text(raw: dict[str, object], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise ReviewError(f"{path}: {key} must be text")
    return str(value).strip() or None


def read_review(locales: Path, lang: str) -> Review:
    """The review status of ``lang``'s catalog (draft without a file).

    Raises :class:`ReviewError` for a file that is not a mapping of the known fields, an
    unknown status, a reviewed status without a reviewer, or a date that is not one."""
    path = review_path(locales, lang)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Review(lang)
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewError(f"{path}: cannot be read ({error})") from error
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ReviewError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from error
    if raw is None:
        return Review(lang)
    if not isinstance(raw, dict):
        raise ReviewError(f"{path}: must be a mapping of {', '.join(_FIELDS)}")
    unknown = sorted(str(key) for key in raw if key not in _FIELDS)
    if unknown:
        raise ReviewError(f"{path}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    status = raw.get("status", "draft")
    if status not in STATUSES:
        raise ReviewError(f"{path}: status must be draft or reviewed, not {status!r}")
    on = raw.get("reviewed_on")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on.strip())
        except ValueError as error:
            raise ReviewError(f"{path}: reviewed_on must be a date (YYYY-MM-DD), "
                              f"not {on!r}") from error
    if on is not None and not isinstance(on, date):
        raise ReviewError(f"{path}: reviewed_on must be a date (YYYY-MM-DD), not {on!r}")
    by = _text(raw, "reviewed_by", path)
    if status == "reviewed" and by is None:
        raise ReviewError(f"{path}: a reviewed catalog names its reviewer (reviewed_by)")
    return Review(lang, str(status), by, on, _text(raw, "note", path))


def _quoted(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10_000).strip()


def write_review(locales: Path, review: Review) -> Path:
    """Write ``review`` to the language's review file, with a comment saying what it is."""
    path = review_path(locales, review.lang)
    lines = [
        f"# Review status of the {review.lang} catalog (LC_MESSAGES/messages.po).",
        "# draft: the referrer may use it, with a note; it is not offered to the person.",
        "# reviewed: a named person read it all; flows offer it to the person.",
        "# Edit by hand or with: intake i18n review LANG --by NAME (see docs/translations.md)",
        f"status: {review.status}",
        f"reviewed_by: {_quoted(review.reviewed_by) if review.reviewed_by else 'null'}",
        f"reviewed_on: {review.reviewed_on.isoformat() if review.reviewed_on else 'null'}",
    ]
    if review.note:
        lines.append(f"note: {_quoted(review.note)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
