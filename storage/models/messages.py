"""Messages the bot sent to agencies that hold personal data: referral cards and contact
reveals, kept so they can be taken back out of the chat.

A reveal is taken back ``INTAKE_REVEAL_SECONDS`` after it was sent; every message of a
referral when it is erased (consent withdrawn, retention purge); every message in a focal
point's chat when they are revoked. The worker does it (``bot.telegram.worker``): it
deletes the message while Telegram still allows (48 hours), else edits it to say the data
was removed. The chat id is a Telegram user id, so it is stored encrypted like the staff's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Encrypted, UTCDateTime


class AgencyMessage(Base):
    __tablename__ = "agency_messages"
    __table_args__ = (
        # The worker's scan: messages still in a chat whose removal has come due.
        Index("ix_agency_messages_done_at_remove_at", "done_at", "remove_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    #: The focal point the chat belongs to (revoking them takes their messages back).
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    chat_id: Mapped[str] = mapped_column(Encrypted())
    message_id: Mapped[int] = mapped_column(BigInteger)
    #: ``card`` or ``reveal``.
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When to take the message back; None: it stays (a card of a referral in progress).
    remove_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why: ``expired`` (a reveal's time is up), ``erased`` or ``revoked``.
    reason: Mapped[str | None] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the worker took it back, and how: ``deleted``, ``edited``, ``gone`` (Telegram
    #: no longer had it) or ``blocked`` (the member blocked the bot).
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
