"""The web console's sign-in links and sessions (``bot.console.sessions.ConsoleStore``).

Callers hand in hashes, never the token or the session id itself: what is stored cannot be
replayed from a copy of the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from storage.models import ConsoleLink, ConsoleSession
from storage.sql import Context, rowcount

#: How often a session's ``last_seen`` is written at most.
TOUCH_EVERY = timedelta(minutes=1)


class SqlConsoleStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    # -- links ------------------------------------------------------------------------
    def add_link(self, token_hash: str, staff_id: int, at: datetime,
                 expires_at: datetime) -> None:
        with self._context.writing() as db:
            db.add(ConsoleLink(token_hash=token_hash, staff_id=staff_id, created_at=at,
                               expires_at=expires_at))

    def link_staff(self, token_hash: str, at: datetime) -> int | None:
        """The staff id of a link still unused and unexpired at ``at``; it stays unused."""
        with self._context.reading() as db:
            return db.scalar(select(ConsoleLink.staff_id).where(
                ConsoleLink.token_hash == token_hash, ConsoleLink.used_at.is_(None),
                ConsoleLink.expires_at > at))

    def take_link(self, token_hash: str, at: datetime) -> int | None:
        """Spend the link: its staff id the first time, None ever after (or once expired).
        One conditional UPDATE, so two requests racing for it cannot both win."""
        with self._context.writing() as db:
            done = db.execute(update(ConsoleLink).where(
                ConsoleLink.token_hash == token_hash, ConsoleLink.used_at.is_(None),
                ConsoleLink.expires_at > at).values(used_at=at))
            if rowcount(done) != 1:
                return None
            return db.scalar(select(ConsoleLink.staff_id)
                             .where(ConsoleLink.token_hash == token_hash))

    # -- sessions ---------------------------------------------------------------------
    def open_session(self, session_hash: str, staff_id: int, at: datetime) -> None:
        with self._context.writing() as db:
            db.add(ConsoleSession(session_hash=session_hash, staff_id=staff_id,
                                  created_at=at, last_seen=at))

    def touch(self, session_hash: str, at: datetime, idle: timedelta) -> int | None:
        """The staff id of a live session, whose idle time starts again at ``at``; a
        session idle for ``idle`` or longer is deleted and gives None. ``last_seen`` is
        written at most once every :data:`TOUCH_EVERY`, so most page views only read (the
        session may end that much before ``idle`` after the last view)."""
        with self._context.reading() as db:
            row = db.execute(select(ConsoleSession.staff_id, ConsoleSession.last_seen)
                             .where(ConsoleSession.session_hash == session_hash)).first()
        if row is None:
            return None
        staff_id, last_seen = row
        if at - last_seen >= idle:
            self.end(session_hash)
            return None
        if at - last_seen >= TOUCH_EVERY:
            with self._context.writing() as db:
                done = db.execute(update(ConsoleSession).where(
                    ConsoleSession.session_hash == session_hash,
                    ConsoleSession.last_seen == last_seen).values(last_seen=at))
                if not rowcount(done) and db.scalar(select(ConsoleSession.id).where(
                        ConsoleSession.session_hash == session_hash)) is None:
                    return None  # ended meanwhile (signed out, revoked)
        return int(staff_id)

    def end(self, session_hash: str) -> bool:
        with self._context.writing() as db:
            return bool(rowcount(db.execute(delete(ConsoleSession).where(
                ConsoleSession.session_hash == session_hash))))

    def end_all(self, staff_id: int) -> int:
        """End every session of one member (revoked); how many there were."""
        with self._context.writing() as db:
            return rowcount(db.execute(delete(ConsoleSession).where(
                ConsoleSession.staff_id == staff_id)))

    def sessions_of(self, staff_id: int) -> int:
        with self._context.reading() as db:
            return len(db.scalars(select(ConsoleSession.id)
                                  .where(ConsoleSession.staff_id == staff_id)).all())

    def purge(self, at: datetime, idle: timedelta) -> int:
        """Delete links past their expiry or used, and sessions idle for ``idle``."""
        with self._context.writing() as db:
            links = rowcount(db.execute(delete(ConsoleLink).where(
                (ConsoleLink.expires_at <= at) | ConsoleLink.used_at.is_not(None))))
            sessions = rowcount(db.execute(delete(ConsoleSession).where(
                ConsoleSession.last_seen <= at - idle)))
            return links + sessions
