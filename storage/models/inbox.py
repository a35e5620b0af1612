"""The update inbox: every update Telegram handed over, kept until it has been handled.

Telegram forgets an update once the webhook answered 200 or a later ``getUpdates``
confirmed it. Written here first, an update outlives a crash between that moment and its
handling: the next start handles it (``storage.inbox``, ``bot.telegram.inbox``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Encrypted, UTCDateTime


class InboxUpdate(Base):
    """One update not yet handled. The body is the update's JSON, encrypted (it holds what
    a person typed); the row is deleted once the update was handled."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: The chat the update belongs to (its user for an update without a chat; 0 when it
    #: has neither): one chat's updates are handled one at a time, oldest first.
    chat_id: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Encrypted())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The worker handling it (host, process id and a start nonce), and since when.
    claimed_by: Mapped[str | None] = mapped_column(String(96))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_inbox_chat_id_update_id", "chat_id", "update_id"),)
