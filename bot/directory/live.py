"""The directory a running process serves, followed as coordinators load new ones.

A directory load (``intake directory load``, the console's Directory page) replaces the
directory tables and numbers the load in one transaction. Every process polls that number
as it polls flow publications and uploaded catalogs (:mod:`bot.polling`): at most every
:data:`~bot.polling.POLL_SECONDS`, on use, so a new load is served within a few seconds,
without a restart. A process that sees a new number reads the whole directory and swaps it
in at once, or keeps what it serves if the read fails.

:class:`LiveDirectory` is a :class:`~bot.directory.model.Directory`, so everything that
reads one (routing, focal cards, the hub and partner lists of flows, deadlines, the console)
serves the newest one. One piece of work reads a single directory throughout by asking
:meth:`Directory.current` once and using what it returns: a load arriving in the middle
of routing a referral changes the next referral, never half of this one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.directory.deadlines import DeadlineTable
from bot.directory.model import Agency, Directory, EmergencyContact, FocalPoint, Hub, Service
from bot.directory.rows import Rows, directory_from_rows
from bot.flows.problems import FlowError
from bot.polling import POLL_SECONDS, Poll

log = logging.getLogger(__name__)

#: At start, how often a read that met a load in the middle is tried again.
START_ATTEMPTS = 5


class DirectoryUnavailable(RuntimeError):
    """The stored directory cannot be read now (not migrated yet, database away)."""


class DirectoryLoadConflict(RuntimeError):
    """Two loads at the same moment: the later one stored nothing."""


class DirectorySource(Protocol):
    def version(self) -> int:
        """The number of the newest load; 0 before the first."""

    def snapshot(self) -> tuple[int, Rows] | None:
        """The stored directory's rows with the load they belong to, read together; None
        when a load committed while reading (ask again later)."""


class LiveDirectory(Directory):
    """The newest loaded directory (``fallback`` until one is loaded), read through.

    Fields and methods answer from the directory served at that moment; :meth:`current`
    gives that directory itself, to read one directory throughout a piece of work.
    """

    _source: DirectorySource
    _fallback: Callable[[], Directory]
    _poll: Poll
    _served: Directory
    #: The load served (0: none numbered yet; -1: nothing read yet).
    version: int

    def __init__(self, source: DirectorySource, fallback: Callable[[], Directory], *,
                 interval: float = POLL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # Directory is frozen: set this object's own attributes past its __setattr__.
        own = object.__setattr__
        own(self, "_source", source)
        own(self, "_fallback", fallback)
        own(self, "_poll", Poll(interval, clock))
        own(self, "version", -1)
        own(self, "_served", Directory())
        self.refresh(force=True)

    # The fields of Directory, answered by the directory served now.
    @property
    def hubs(self) -> dict[str, Hub]:
        return self.current().hubs

    @property
    def emergency(self) -> tuple[EmergencyContact, ...]:
        return self.current().emergency

    @property
    def agencies(self) -> dict[str, Agency]:
        return self.current().agencies

    @property
    def focal_points(self) -> dict[tuple[str, str], FocalPoint]:
        return self.current().focal_points

    @property
    def services(self) -> tuple[Service, ...]:
        return self.current().services

    @property
    def deadlines(self) -> DeadlineTable:
        return self.current().deadlines

    def __repr__(self) -> str:
        return f"LiveDirectory(version={self.version})"

    def __eq__(self, other: Any) -> bool:
        return self.current() == (other.current() if isinstance(other, Directory) else other)

    __hash__ = None  # type: ignore[assignment]

    def current(self) -> Directory:
        self.refresh()
        return self._served

    def refresh(self, force: bool = False) -> bool:
        """Serve the newest load if there is one (asked at most every ``interval`` seconds
        unless forced). True when another directory is served now."""
        return self._poll.ask(self._refresh, force)

    def _refresh(self) -> bool:
        try:
            if self._source.version() == self.version:
                return False
            snapshot = self._source.snapshot()
        except DirectoryUnavailable as error:
            if self.version < 0:  # nothing served yet: the configured file, as before
                self._swap(0, self._fallback())
                return True
            log.warning("the stored directory was not read: %s", error)
            return False
        for _ in range(START_ATTEMPTS if self.version < 0 else 0):
            if snapshot is not None:
                break
            snapshot = self._source.snapshot()  # at start there is nothing else to serve
        if snapshot is None:  # a load committed while reading: the next poll reads it
            if self.version < 0:
                raise DirectoryUnavailable("the directory kept changing while it was read")
            return False
        version, rows = snapshot
        try:
            directory = directory_from_rows(rows) if rows.get("hubs") else self._fallback()
        except (FlowError, KeyError, ValueError, TypeError) as error:
            if self.version < 0:  # nothing to keep serving: say it at start, as before
                raise
            log.error("directory load %d cannot be read, still serving %d: %s",
                      version, self.version, type(error).__name__)
            return False
        self._swap(version, directory)
        return True

    def _swap(self, version: int, directory: Directory) -> None:
        if self.version >= 0 and version != self.version:
            log.info("serving directory load %d (was %d)", version, self.version)
        object.__setattr__(self, "_served", directory)
        object.__setattr__(self, "version", version)
