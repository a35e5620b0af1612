"""``intake keys rotate``: re-encrypt every encrypted column with the newest key.

Safe to interrupt and to run again (idempotent): each batch commits on its own, a value
already encrypted with the newest key is left alone, and a second run finds nothing to do.
It loses nothing, even with the bot running: each row is written back only if it still holds
the value that was read (compare and swap), so a value the bot saved meanwhile, already with
the newest key, is never overwritten by an older one.

Blind indexes are recomputed in the same pass, so changing ``INTAKE_INDEX_KEY`` is also a
rotate away; the invitations' indexes cannot be (their codes are not stored), so the command
then invalidates the pending ones (``storage.keycheck.reindex_canary``) and says how many to
issue again.

The columns are found from the models (every :class:`~storage.models.Encrypted` column),
so a table added later is rotated without anyone remembering to list it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, and_, func, select, update

from storage.models import BlindIndex, Encrypted, metadata
from storage.sql import Context, rowcount

BATCH_SIZE = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Plan:
    table: Table
    key: Column[Any]
    encrypted: tuple[Column[Any], ...]
    #: (index column, the encrypted column it indexes)
    indexes: tuple[tuple[Column[Any], Column[Any]], ...]


@dataclass(frozen=True)
class RotationReport:
    rows: int
    rewritten: int
    values: int
    #: Blind indexes recomputed: more than none means ``INTAKE_INDEX_KEY`` changed.
    indexes: int = 0


def plans() -> Iterator[Plan]:
    for table in metadata.sorted_tables:
        encrypted = tuple(c for c in table.columns if isinstance(c.type, Encrypted))
        if not encrypted:
            continue
        (key,) = table.primary_key.columns
        indexes = tuple((c, table.columns[c.info["blind_index_of"]]) for c in table.columns
                        if isinstance(c.type, BlindIndex))
        yield Plan(table, key, encrypted, indexes)


def count_rows(context: Context) -> int:
    with context.engine.connect() as connection:
        return sum(int(connection.scalar(select(func.count()).select_from(plan.table)) or 0)
                   for plan in plans())


def rotate(context: Context, batch_size: int = BATCH_SIZE,
           progress: Progress | None = None) -> RotationReport:
    """Re-encrypt everything; ``progress(done, total)`` is called after each batch."""
    total = count_rows(context)
    done = rewritten = values = indexes = 0
    if progress:
        progress(done, total)
    for plan in plans():
        last: Any = None
        while True:
            with context.engine.begin() as connection:
                query = select(plan.key, *plan.encrypted, *(i for i, _ in plan.indexes))
                if last is not None:
                    query = query.where(plan.key > last)
                rows = connection.execute(query.order_by(plan.key).limit(batch_size)).all()
                for row in rows:
                    changes = _changes(context, plan, row._mapping)
                    if changes:
                        matches = [plan.key == row._mapping[plan.key]] + [
                            column.is_(None) if row._mapping[column] is None
                            else column == row._mapping[column]
                            for column in changes if column in plan.encrypted]
                        result = connection.execute(
                            update(plan.table).where(and_(*matches))
                            .values({c.name: v for c, v in changes.items()}))
                        if rowcount(result):
                            rewritten += 1
                            values += sum(1 for c, v in changes.items()
                                          if c in plan.encrypted and v != row._mapping[c])
                            indexes += sum(1 for c, _ in plan.indexes if c in changes)
            if not rows:
                break
            last = rows[-1]._mapping[plan.key]
            done += len(rows)
            if progress:
                progress(min(done, max(total, done)), max(total, done))
    return RotationReport(done, rewritten, values, indexes)


def _changes(context: Context, plan: Plan, row: Any) -> dict[Column[Any], str]:
    cipher = context.cipher
    changes: dict[Column[Any], str] = {}
    for column in plan.encrypted:
        token = row[column]
        if token is not None and not cipher.is_current(token):
            changes[column] = cipher.rotate(token)
    for index, source in plan.indexes:
        token = row[source]
        if token is None:
            continue
        wanted = cipher.blind_index(cipher.decrypt(token))
        if row[index] != wanted:
            changes[index] = wanted
            if source not in changes:  # compare-and-swap on the source value too
                changes[source] = token
    return changes
