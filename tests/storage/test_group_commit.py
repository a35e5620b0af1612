"""Write transactions asked for at the same moment share one commit; each caller gets its
own result or error only once the commit is made, and one piece's error undoes that piece
alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from storage.group_commit import GroupCommit
from storage.stores import Storage
from tests.storage.conftest import NOW


@contextmanager
def watched(storage: Storage) -> Iterator[list[str]]:
    """Each commit and each savepoint on the storage's engine while inside."""
    seen: list[str] = []

    def commit(connection: Any) -> None:
        seen.append("commit")

    def statement(connection: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.startswith("SAVEPOINT"):
            seen.append("savepoint")

    engine = storage.engine
    event.listen(engine, "commit", commit)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", commit)
        event.remove(engine, "before_cursor_execute", statement)


def record(storage: Storage, update_id: int) -> int:
    """A piece of work: the update recorded as handled (a write joining the unit)."""
    assert storage.updates.first_time(update_id, NOW)
    return update_id * 10


def refuse(storage: Storage, update_id: int) -> int:
    storage.updates.first_time(update_id, NOW)  # written, then undone with the error
    raise LookupError(update_id)


async def test_pieces_asked_for_together_are_durable_in_one_commit(storage: Storage) -> None:
    group = GroupCommit(storage.context.unit)
    with watched(storage) as seen:
        results = await asyncio.gather(*(group.run(record, storage, n) for n in (1, 2, 3)))
    assert results == [10, 20, 30]
    assert seen.count("commit") == 1 and group.groups == 1 and group.pieces == 3
    assert all(storage.updates.seen(n) for n in (1, 2, 3))


async def test_a_piece_that_fails_is_undone_alone_and_its_caller_gets_the_error(
        storage: Storage) -> None:
    group = GroupCommit(storage.context.unit)
    outcomes = await asyncio.gather(group.run(record, storage, 1), group.run(refuse, storage, 2),
                                    group.run(record, storage, 3), return_exceptions=True)
    assert outcomes[0] == 10 and outcomes[2] == 30
    assert isinstance(outcomes[1], LookupError)
    assert storage.updates.seen(1) and storage.updates.seen(3)
    assert not storage.updates.seen(2)


async def test_a_commit_that_fails_fails_every_piece_of_its_group(storage: Storage) -> None:
    group = GroupCommit(storage.context.unit)

    def broken(connection: Any) -> None:
        raise OSError("disk full")

    event.listen(storage.engine, "commit", broken)
    try:
        outcomes = await asyncio.gather(*(group.run(record, storage, n) for n in (1, 2)),
                                        return_exceptions=True)
    finally:
        event.remove(storage.engine, "commit", broken)
    assert all(isinstance(o, OSError) for o in outcomes)
    assert not storage.updates.seen(1) and not storage.updates.seen(2)


async def test_a_piece_alone_costs_one_transaction_without_a_savepoint(
        storage: Storage) -> None:
    group = GroupCommit(storage.context.unit)
    with watched(storage) as seen:
        assert await group.run(record, storage, 1) == 10
    assert seen == ["commit"]
    with pytest.raises(LookupError):
        await group.run(refuse, storage, 2)
    assert not storage.updates.seen(2)


async def test_work_asked_for_during_a_commit_forms_the_next_group(storage: Storage) -> None:
    group = GroupCommit(storage.context.unit)
    first = asyncio.ensure_future(group.run(record, storage, 1))
    await asyncio.sleep(0)  # the first group is under way on its thread
    later = [asyncio.ensure_future(group.run(record, storage, n)) for n in (2, 3)]
    assert await asyncio.gather(first, *later) == [10, 20, 30]
    assert group.groups == 2 and group.pieces == 3
