"""The durable inbox: every update is written to the database before Telegram is told it
arrived, and handled from there.

Telegram forgets an update once the webhook answered 200, or once a later ``getUpdates``
confirmed it. python-telegram-bot confirms as soon as an update is queued in memory, so a
crash before handling lost it for good. Here the webhook answers 200 only after the update
is stored, and the poller (``bot.telegram.polling``) stores each fetched batch, in one
transaction, before its next ``getUpdates`` confirms it.

:meth:`Inbox.run` claims stored updates (``storage.inbox``: the oldest pending update of
each chat, never a chat with one in progress, in any of several processes) and hands each
to the application, up to :data:`~bot.telegram.app.CONCURRENT_UPDATES` at once. A handled
update's row is deleted in the next claim's transaction. At start, the claims of processes
that are gone from this machine are freed, and what they left is handled before anything
newer of the same chat. Delivery is at least once; the update ledger (update ids already
handled) makes it exactly once in effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from telegram import Update

from bot.ports import Clock

log = logging.getLogger("intake.inbox")
P = ParamSpec("P")
T = TypeVar("T")
#: Seconds between looks for updates another process stored (one cheap read each).
IDLE_CHECK = 0.25
#: Seconds a handled update waits to be deleted with the next claim (so one commit serves
#: both) before it is deleted on its own.
FLUSH_DELAY = 0.05


class ClaimedUpdate(Protocol):
    @property
    def update_id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...

    @property
    def update(self) -> dict[str, Any]: ...


class UpdateInbox(Protocol):
    """Where updates wait (``storage.inbox.SqlInbox``)."""

    def store(self, updates: Sequence[tuple[int, int, Mapping[str, Any]]],
              at: datetime) -> int: ...

    def highest(self) -> int | None: ...

    def claim(self, worker: str, limit: int, now: datetime,
              done: Sequence[int] = ()) -> Sequence[ClaimedUpdate]: ...

    def store_and_claim(self, updates: Sequence[tuple[int, int, Mapping[str, Any]]],
                        at: datetime, worker: str, limit: int,
                        done: Sequence[int] = ()) -> tuple[int, Sequence[ClaimedUpdate]]: ...

    def claimable(self, now: datetime) -> bool: ...

    def claimers(self) -> list[str]: ...

    def release(self, workers: Sequence[str]) -> int: ...


class Writes(Protocol):
    """Runs a write transaction of the stores off the event loop; its result once durable
    (``storage.group_commit.GroupCommit`` on SQLite, :class:`OwnThreads` elsewhere)."""

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T: ...


class OwnThreads:
    """Every write transaction in a thread hop of its own (``asyncio.to_thread``)."""

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(call, *args, **kwargs)


def claimer_name() -> str:
    """This process among all that share the database: host, process id, and a nonce that
    tells it from an earlier process of the same id (a container restarted)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def gone(claimer: str, me: str) -> bool:
    """Whether ``claimer`` is a process of this machine that no longer runs (an earlier
    process with this process's id counts as gone). Other machines' claims wait out their
    lease instead."""
    host, _, rest = claimer.partition(":")
    pid_text = rest.partition(":")[0]
    if host != me.partition(":")[0] or not pid_text.isdigit():
        return False
    if claimer == me:
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Claims(Protocol):
    """A table whose rows processes claim by name (the inbox, the outbox of reminders)."""

    def claimers(self) -> list[str]: ...

    def release(self, workers: Sequence[str]) -> int: ...


def release_gone(claims: Claims, me: str) -> int:
    """Free the claims of processes gone from this machine; returns how many rows. Called at
    start, before this process claims anything."""
    dead = [c for c in claims.claimers() if gone(c, me)]
    return claims.release(dead) if dead else 0


def chat_of(update: Update) -> int:
    """The chat an update belongs to (its sender for one without a chat; 0 for neither)."""
    if update.effective_chat is not None:
        return int(update.effective_chat.id)
    if update.effective_user is not None:
        return int(update.effective_user.id)
    return 0


@dataclass
class Inbox:
    store: UpdateInbox
    #: Handles one update, as JSON or already read (the application's ``process_update``).
    handle: Callable[[dict[str, Any] | Update], Awaitable[None]]
    clock: Clock
    slots: int
    name: str = field(default_factory=claimer_name)
    idle: float = IDLE_CHECK
    #: Runs the inbox's write transactions; on SQLite they share commits with the steps of
    #: the updates in hand (``storage.group_commit``).
    writes: Writes = field(default_factory=OwnThreads)
    #: Set once the first claim after start was made: what was left is claimed first.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _pushed: bool = False
    _more: bool = False
    _reserved: int = 0  # slots a claim under way may fill
    _done: list[int] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    #: When this process last claimed or looked (``time.monotonic``).
    _looked: float = float("-inf")

    async def keep(self, updates: Sequence[tuple[int, int, Mapping[str, Any]]],
                   parsed: Sequence[Update] = ()) -> int:
        """Store ``(update id, chat, update JSON)`` rows in one transaction, and in the same
        one claim what this process has room for (and delete the rows it handled since the
        last claim); returns how many were new. Raises when the database did not take them:
        then Telegram must not be told they arrived. ``parsed``: the same updates as the
        webhook or the poller read them; one claimed here is handled as it is, neither
        decrypted nor parsed again."""
        if not updates:
            return 0
        free = self.slots - len(self._tasks) - self._reserved
        if free <= 0:
            stored = await self.writes.run(self.store.store, updates, self.clock.now())
            self.notify()
            return stored
        done, self._done = self._done, []
        self._reserved += free
        try:
            self._looked = time.monotonic()
            stored, claimed = await self.writes.run(
                self.store.store_and_claim, updates, self.clock.now(), self.name, free, done)
        except BaseException:
            self._done[:0] = done  # deleted next time
            raise
        finally:
            self._reserved -= free
        self._start(claimed, {u.update_id: u for u in parsed})
        if stored > len(claimed):
            self.notify()  # some wait behind their chat, or for room: the loop looks again
        return stored

    @property
    def in_hand(self) -> int:
        """Updates this process is handling now."""
        return len(self._tasks)

    async def handled(self) -> None:
        """Wait until the updates in hand are handled (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def notify(self) -> None:
        """Something was stored: claim without waiting for the next look."""
        self._pushed = True
        self._wake.set()

    async def recover(self) -> int:
        """Free the claims of processes gone from this machine; returns how many rows."""
        freed = await asyncio.to_thread(release_gone, self.store, self.name)
        if freed:
            log.warning("inbox_claims_recovered", extra={"updates": freed})
        return freed

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and handle until ``stop``; then let what is in hand finish."""
        try:
            await self.recover()
        except Exception as error:  # the rounds below retry the database anyway
            log.error("inbox_recover_failed", extra={"error": type(error).__name__})
        self._pushed = True
        while not stop.is_set():
            try:
                await self.round()
            except Exception as error:  # the loop outlives a database outage
                log.error("inbox_claim_failed", extra={"error": type(error).__name__})
            self.ready.set()
            await self._pause(stop)
        await self.drain()

    async def round(self) -> int:
        """One claim (which also deletes the rows handled since the last); returns how many
        updates it started.

        With nothing stored here since (which pushes a claim), nothing left over from the
        last claim and no rows to delete, the claim is only for what other processes
        stored: it is made when a cheap look finds some, and that look at most about once per
        ``idle`` seconds. A handled update wakes the loop; under a steady stream the next
        update's store has already deleted its row, and looking again each time cost a
        thread hop and a read per update for nothing."""
        pushed, self._pushed = self._pushed, False
        free = self.slots - len(self._tasks) - self._reserved
        done, self._done = self._done, []
        if not done:
            if free <= 0:
                self._more = self._more or pushed  # stored here, waiting for room
                return 0
            if not (pushed or self._more):
                if time.monotonic() - self._looked < self.idle / 2:
                    return 0  # looked moments ago (half: a timed wait may end early)
                self._looked = time.monotonic()
                if not await asyncio.to_thread(self.store.claimable, self.clock.now()):
                    return 0  # nothing new stored here, and the cheap look found nothing
        try:
            self._looked = time.monotonic()
            claimed = await self.writes.run(self.store.claim, self.name, max(free, 0),
                                            self.clock.now(), done)
        except BaseException:
            self._done[:0] = done  # deleted next time
            raise
        # Full: more may wait. No room: whatever was stored here meanwhile waits for it.
        self._more = len(claimed) == free if free > 0 else self._more or pushed
        self._start(claimed)
        return len(claimed)

    def _start(self, claimed: Sequence[ClaimedUpdate],
               parsed: Mapping[int, Update] | None = None) -> None:
        for update in claimed:
            task = asyncio.create_task(self._one(update, (parsed or {}).get(update.update_id)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _one(self, claimed: ClaimedUpdate, parsed: Update | None = None) -> None:
        try:
            await self.handle(parsed if parsed is not None else claimed.update)
        except asyncio.CancelledError:
            raise  # not handled: the claim is freed at the next start
        except Exception as error:
            # The application reports handler errors itself; this is anything around them.
            # The update is not tried again: it would fail the same way, for ever.
            log.error("inbox_update_failed", extra={"error": type(error).__name__})
        self._done.append(claimed.update_id)
        self._wake.set()

    async def _pause(self, stop: asyncio.Event) -> None:
        """Until there is a reason to claim: something stored, a slot freed with more
        waiting, handled rows to delete, or the next look."""
        if self._pushed and len(self._tasks) < self.slots:
            return
        if self._done and self._more:
            return
        self._wake.clear()
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        timeout = FLUSH_DELAY if self._done else self.idle
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if self._done and not (self._pushed or self._more or stop.is_set()):
                # A handled update, and nothing waiting: give an update that is being
                # stored the chance to share the commit that deletes it. With updates
                # waiting for room, the freed slot is filled at once instead.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), FLUSH_DELAY)
        finally:
            for wait in waits:
                wait.cancel()

    async def drain(self) -> None:
        """Let the updates in hand finish, then delete their rows."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._done:
            done, self._done = self._done, []
            try:
                await self.writes.run(self.store.claim, self.name, 0, self.clock.now(), done)
            except Exception as error:  # handled again after the restart: a no-op then
                log.error("inbox_flush_failed", extra={"error": type(error).__name__})
