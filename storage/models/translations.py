"""Translation catalogs accepted through the console: what every process serves.

Each accepted upload is one row, never changed afterwards; a language's newest row is the
catalog served for it, over the PO file shipped in ``locales/``. The row id counts up across
languages, so its maximum is the version a running process polls to notice an upload. An
upload carries its own review status: reviewed by the person named, or a draft.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class TranslationCatalog(Base):
    __tablename__ = "translation_catalogs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    #: The PO file as accepted (UTF-8 text).
    content: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: An audit actor such as ``staff:12``.
    uploaded_by: Mapped[str] = mapped_column(String(128))
    #: Who read the whole catalog (``bot.i18n.review``); NULL: the upload is a draft.
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
