"""Published flow revisions in the database (``bot.service.publishing.FlowStore``).

A publication and the revisions it makes are written in one transaction, so a process
polling :meth:`SqlFlowStore.version` either sees the whole publish or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.flows.library import Publication, Source, StoredRevision
from bot.i18n.phrase import Phrase
from bot.service.publishing import (
    PUBLISHED_MEANWHILE,
    NewRevision,
    PublishConflict,
    RevisionRecord,
)
from storage.models import Conversation, FlowPublication, FlowRevision
from storage.sql import Context


def _stored(row: FlowRevision) -> StoredRevision:
    files = row.content.get("files", {})
    return StoredRevision(row.flow_id, row.revision, row.content["root"]["file"],
                          tuple(Source(name, text) for name, text in sorted(files.items())),
                          row.withdrawn_at is not None)


class SqlFlowStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def version(self) -> int:
        with self._context.reading() as db:
            return int(db.scalar(select(func.max(FlowPublication.number))) or 0)

    def publication(self) -> Publication | None:
        with self._context.reading() as db:
            latest = db.scalars(select(FlowPublication)
                                .order_by(FlowPublication.number.desc()).limit(1)).first()
            if latest is None:
                return None
            wanted = {(fid, int(rev)) for fid, rev in latest.current.items()}
            rows = db.scalars(select(FlowRevision).where(
                FlowRevision.flow_id.in_(sorted(latest.current)))).all()
            current = tuple(_stored(row) for row in sorted(rows, key=lambda r: r.flow_id)
                            if (row.flow_id, row.revision) in wanted)
            withdrawn = db.execute(select(FlowRevision.flow_id, FlowRevision.revision)
                                   .where(FlowRevision.withdrawn_at.is_not(None))).all()
            return Publication(latest.number, current,
                               frozenset((fid, int(rev)) for fid, rev in withdrawn))

    def stored(self, flow_id: str, revision: int) -> StoredRevision | None:
        with self._context.reading() as db:
            row = db.get(FlowRevision, (flow_id, revision))
            return _stored(row) if row is not None else None

    def history(self) -> list[RevisionRecord]:
        with self._context.reading() as db:
            rows = db.execute(
                select(FlowRevision.flow_id, FlowRevision.revision, FlowRevision.publication,
                       FlowRevision.checksum, FlowPublication.published_at,
                       FlowPublication.published_by, FlowPublication.note,
                       FlowRevision.withdrawn_at, FlowRevision.withdrawn_by)
                .join(FlowPublication, FlowPublication.number == FlowRevision.publication)
                .order_by(FlowRevision.flow_id, FlowRevision.revision)).all()
        return [RevisionRecord(*row) for row in rows]

    def record(self, number: int, at: datetime, by: str, note: str,
               current: dict[str, int], revisions: Sequence[NewRevision]) -> None:
        try:
            with self._context.writing() as db:
                db.add(FlowPublication(number=number, published_at=at, published_by=by,
                                       note=note, current=dict(current)))
                db.flush()
                for item in revisions:
                    db.add(FlowRevision(
                        flow_id=item.flow_id, revision=item.revision, publication=number,
                        checksum=item.checksum,
                        content={"root": {"file": item.root},
                                 "files": {s.file: s.text for s in item.sources}}))
        except IntegrityError:
            raise PublishConflict(Phrase(PUBLISHED_MEANWHILE, number=number)) from None

    def withdraw(self, flow_id: str, revision: int, number: int, at: datetime, by: str,
                 note: str, current: dict[str, int]) -> None:
        try:
            with self._context.writing() as db:
                db.add(FlowPublication(number=number, published_at=at, published_by=by,
                                       note=note, current=dict(current)))
                db.flush()
                db.execute(update(FlowRevision)
                           .where(FlowRevision.flow_id == flow_id,
                                  FlowRevision.revision == revision)
                           .values(withdrawn_at=at, withdrawn_by=by))
        except IntegrityError:
            raise PublishConflict(Phrase(PUBLISHED_MEANWHILE, number=number)) from None

    def open_conversations(self) -> dict[tuple[str, int], int]:
        with self._context.reading() as db:
            rows = db.execute(select(Conversation.flow_id, Conversation.revision,
                                     func.count())
                              .where(Conversation.flow_id.is_not(None),
                                     Conversation.revision.is_not(None))
                              .group_by(Conversation.flow_id, Conversation.revision)).all()
        return {(str(fid), int(rev or 0)): int(n) for fid, rev, n in rows}
