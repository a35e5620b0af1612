"""The key canary: proof, checked at every start, that the configured keys are the ones the
stored data was written with (``storage.keycheck``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Encrypted, UTCDateTime


class KeyCanary(Base):
    """One row (id 1): a fixed text encrypted with the newest key (re-encrypted by
    ``intake keys rotate`` like any other :class:`Encrypted` column) and its blind index
    under ``INTAKE_INDEX_KEY``. It holds nothing about anyone."""

    __tablename__ = "key_canary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sealed: Mapped[str] = mapped_column(Encrypted())
    index: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
