"""Group commit: the write transactions several tasks ask for at about the same moment run
one after another in one transaction, and one commit makes them all durable.

On SQLite every write transaction takes the database's single write lock, so the steps of
six chats handled at once are six transactions in a row anyway, each paying for its own
begin, commit and thread hop. :class:`GroupCommit` runs each piece of work (a callable that
uses the stores, whose calls join the open unit of work) in a savepoint of one transaction
on a worker thread: a piece that raises rolls back to its savepoint alone and its caller
gets the error, the others commit. Nobody is answered before the commit: a caller learns
its result only once it is durable, exactly as with a transaction of its own. Work asked
for while a group is committing forms the next group; nothing waits for company, so work
that comes alone costs what it did (one transaction, one hop, no savepoint).

A commit that fails fails every piece of its group, each with that error. Work runs on the
group's thread, not in the caller's context variables: only for stores whose calls need
nothing from the caller but the unit (on PostgreSQL the steps run on the connection that
holds their chat's lock, so there every call keeps a transaction and a thread of its own,
``bot.telegram.inbox.OwnThreads``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Nested(Protocol):
    """A unit of work's session: SQLAlchemy's ``Session`` (``begin_nested``: a savepoint)."""

    def begin_nested(self) -> AbstractContextManager[Any]: ...


@dataclass
class _Work:
    call: Callable[[], Any]
    done: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


@dataclass
class GroupCommit:
    #: Opens the one transaction of a group (``storage.sql.Context.unit``).
    unit: Callable[[], AbstractContextManager[Nested]]
    #: Groups committed and pieces of work run, since start (benchmarks, tests).
    groups: int = 0
    pieces: int = 0
    _waiting: list[_Work] = field(default_factory=list)
    _busy: bool = False
    _drainer: asyncio.Task[None] | None = None

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)`` on a worker thread, inside the unit of work of a
        group; its result once the group has committed."""
        work = _Work(lambda: call(*args, **kwargs), asyncio.get_running_loop().create_future())
        self._waiting.append(work)
        if not self._busy:
            self._busy = True
            # Held here: the event loop keeps only a weak reference to its tasks.
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        result: T = await work.done
        return result

    async def _drain(self) -> None:
        group: list[_Work] = []
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    await asyncio.to_thread(self._commit, group)
                except Exception as error:  # the commit itself: every piece failed
                    for work in group:
                        work.error = work.error or error
                for work in group:
                    if work.done.done():
                        continue  # its caller was cancelled
                    if work.error is not None:
                        work.done.set_exception(work.error)
                    else:
                        work.done.set_result(work.result)
                group = []
        finally:
            self._busy = False
            for work in group:  # interrupted (the loop shutting down): nobody waits on
                work.done.cancel()  # an answer that will not come

    def _commit(self, group: list[_Work]) -> None:
        """One transaction for the whole group, on the worker thread."""
        self.groups += 1
        self.pieces += len(group)
        with self.unit() as db:
            if len(group) == 1:  # alone: no savepoint, its error rolls back all there is
                _run(group[0])
                if group[0].error is not None:
                    raise group[0].error
                return
            for work in group:
                try:
                    with db.begin_nested():  # a savepoint: its error undoes it alone
                        work.result = work.call()
                except Exception as error:
                    work.error = error


def _run(work: _Work) -> None:
    try:
        work.result = work.call()
    except Exception as error:
        work.error = error
