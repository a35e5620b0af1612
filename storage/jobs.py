"""Periodic jobs run once per period by whichever of several bot processes asks first.

Every process's worker loop asks, every few seconds, whether a job (the retention purge) is
due. The answer must be yes for exactly one of them per period, so the decision is a claim
on the job's row in ``scheduled_jobs``, taken in the transaction that does the job's work:

* on PostgreSQL the row is selected ``FOR UPDATE SKIP LOCKED``: while one process works
  (its transaction holds the row), the others skip the row at once instead of queueing
  behind it, and once it commits they see the new ``last_run_at`` and find nothing due;
* on SQLite every write transaction begins with ``BEGIN IMMEDIATE`` (``storage.database``),
  so claims take turns and the second sees the first's stamp.

Because the stamp commits with the work, a job that fails leaves no stamp: it is due again
at the next ask, never skipped for a whole period. Times come from the asking process's
clock; a few seconds of skew between machines only shifts a period by as much.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session as DbSession

from storage.models import ScheduledJob
from storage.sql import Context


def due(context: Context, name: str, now: datetime, every: timedelta) -> bool:
    """Whether ``name`` last ran ``every`` or longer ago (or never), read without a lock:
    the cheap test each worker round makes before opening a write transaction to claim.

    The job's row is created here the first time, in its own short transaction, so that a
    second process never waits on a first one's uncommitted insert while that one works.
    """
    with context.reading() as db:
        found = db.execute(select(ScheduledJob.last_run_at)
                           .where(ScheduledJob.name == name)).first()
    if found is None:
        with context.writing() as db:
            db.execute(context.insert(ScheduledJob).values(name=name)
                       .on_conflict_do_nothing(index_elements=[ScheduledJob.name]))
        return True
    last: datetime | None = found[0]
    return last is None or last <= now - every


def claim(db: DbSession, name: str, worker: str, now: datetime, every: timedelta) -> bool:
    """Stamp ``name`` as run at ``now`` by ``worker``, inside the caller's transaction, if it
    is due and no other transaction holds it; False otherwise (then do nothing).

    Exposed so a test can hold two transactions open at once and show that the second
    skips the row the first holds.
    """
    held = db.scalar(select(ScheduledJob.name)
                     .where(ScheduledJob.name == name, _due(now, every))
                     .with_for_update(skip_locked=True))
    if held is None:
        return False
    db.execute(update(ScheduledJob).where(ScheduledJob.name == name)
               .values(last_run_at=now, last_run_by=worker[:64]))  # a long host name
    return True


def last_run(context: Context, name: str) -> tuple[datetime, str | None] | None:
    """When and by which worker ``name`` last ran; None if never (for operators and tests)."""
    with context.reading() as db:
        found = db.execute(select(ScheduledJob.last_run_at, ScheduledJob.last_run_by)
                           .where(ScheduledJob.name == name)).first()
    if found is None or found[0] is None:
        return None
    return found[0], found[1]


def _due(now: datetime, every: timedelta) -> ColumnElement[bool]:
    return or_(ScheduledJob.last_run_at.is_(None), ScheduledJob.last_run_at <= now - every)
