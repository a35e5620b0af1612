"""Conversation state by chat id (``bot.ports.SessionStore``), encrypted whole.

The session JSON holds every answer given so far, including sensitive ones and free text,
so it is one encrypted column: nothing about a conversation is readable without the key
but the chat id and when it last moved (which the idle purge needs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.engine.session import Session
from storage.models import Conversation
from storage.models.base import UTCDateTime
from storage.sql import Context
from storage.statement import Statement

# Every update loads and saves its session: the same texts on SQLite and PostgreSQL, run on
# the driver's cursor (``storage.statement``).
UPSERT = Statement(
    "INSERT INTO conversations (chat_id, state, created_at, updated_at, flow_id, revision) "
    "VALUES (:chat_id, :state, :at, :at, :flow_id, :revision) "
    "ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, "
    "updated_at = excluded.updated_at, flow_id = excluded.flow_id, "
    "revision = excluded.revision", at=UTCDateTime())
_LOAD = Statement("SELECT state FROM conversations WHERE chat_id = :chat_id")
#: Inside a unit the row stays locked until the unit ends (PostgreSQL; SQLite has no
#: FOR UPDATE, and the unit's ``BEGIN IMMEDIATE`` already holds the write lock).
_LOAD_LOCKED = {"postgresql": Statement(_LOAD.sql + " FOR UPDATE")}


class SqlSessionStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def load(self, chat_id: int) -> Session | None:
        """Inside a unit of work the row stays locked until the unit ends, so two workers
        given updates of the same chat take turns instead of overwriting each other (on
        SQLite the unit's ``BEGIN IMMEDIATE`` already serialises them)."""
        query = _LOAD_LOCKED.get(self._context.dialect, _LOAD) if self._context.in_unit \
            else _LOAD
        with self._context.reading() as db:
            rows = query.run(db, {"chat_id": chat_id})
        if not rows:
            return None
        return Session.from_json(self._context.cipher.decrypt(rows[0][0]))

    def save(self, chat_id: int, session: Session, at: datetime) -> None:
        token = self._context.cipher.encrypt(session.to_json())
        with self._context.writing() as db:
            UPSERT.run(db, {"chat_id": chat_id, "state": token, "at": at,
                            "flow_id": session.flow_id, "revision": session.revision})

    def delete(self, chat_id: int) -> None:
        with self._context.writing() as db:
            db.execute(delete(Conversation).where(Conversation.chat_id == chat_id))

    def idle(self, before: datetime) -> list[int]:
        with self._context.reading() as db:
            return list(db.scalars(select(Conversation.chat_id)
                                   .where(Conversation.updated_at < before)
                                   .order_by(Conversation.updated_at)))
