"""Conversation state by chat id (``bot.ports.SessionStore``), encrypted whole.

The session JSON holds every answer given so far, including sensitive ones and free text,
so it is one encrypted column: nothing about a conversation is readable without the key
but the chat id and when it last moved (which the idle purge needs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, text

from bot.engine.session import Session
from storage.models import Conversation
from storage.models.base import UTCDateTime
from storage.sql import Context

#: One upsert text, the same on SQLite and PostgreSQL, so SQLAlchemy compiles it once (the
#: dialects' own ``insert`` constructs are never cached, and this runs on every update).
UPSERT = text(
    "INSERT INTO conversations (chat_id, state, created_at, updated_at) "
    "VALUES (:chat_id, :state, :at, :at) "
    "ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, "
    "updated_at = excluded.updated_at").bindparams(bindparam("at", type_=UTCDateTime()))
_LOAD = select(Conversation.state).where(Conversation.chat_id == bindparam("chat_id"))
#: Inside a unit the row stays locked until the unit ends (PostgreSQL; SQLite ignores it).
_LOAD_LOCKED = _LOAD.with_for_update()


class SqlSessionStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def load(self, chat_id: int) -> Session | None:
        """Inside a unit of work the row stays locked until the unit ends, so two workers
        given updates of the same chat take turns instead of overwriting each other (on
        SQLite the unit's ``BEGIN IMMEDIATE`` already serialises them)."""
        query = _LOAD_LOCKED if self._context.in_unit else _LOAD
        with self._context.reading() as db:
            token = db.connection().execute(query, {"chat_id": chat_id}).scalar()
        if token is None:
            return None
        return Session.from_json(self._context.cipher.decrypt(token))

    def save(self, chat_id: int, session: Session, at: datetime) -> None:
        token = self._context.cipher.encrypt(session.to_json())
        with self._context.writing() as db:
            db.connection().execute(UPSERT, {"chat_id": chat_id, "state": token, "at": at})

    def delete(self, chat_id: int) -> None:
        with self._context.writing() as db:
            db.execute(delete(Conversation).where(Conversation.chat_id == chat_id))

    def idle(self, before: datetime) -> list[int]:
        with self._context.reading() as db:
            return list(db.scalars(select(Conversation.chat_id)
                                   .where(Conversation.updated_at < before)
                                   .order_by(Conversation.updated_at)))
