"""Periodic work that the bot's processes share: when each job last ran, and where.

One row per job (today only the retention purge). Several bot processes may run the worker
loop against one database; the row is what they claim, so a job runs once per period in
all of them together, not once in each (``storage.jobs``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class ScheduledJob(Base):
    """A job's last run. ``last_run_by`` is a worker name (host and process id), for an
    operator asking which process purged; it identifies no person."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: When the job last ran to completion (its claim commits with its work); None: never.
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_by: Mapped[str | None] = mapped_column(String(64))
