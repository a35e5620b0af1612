"""Publishing flows: check them whole, number the revisions, record them in one go.

What a publish stores is what every process then serves (``bot.flows.library``). The files
given replace the flows of the same id; every other flow stays as published, and the whole
set is checked together, translations included, so a broken file changes nothing. Revision
numbers are assigned here: a flow whose content (or the content of a flow it includes) is
unchanged keeps its revision, a changed one gets the next number after its highest, and a
flow published for the first time starts at the ``revision:`` its file gives, or 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.flows.library import (
    ExtraCheck,
    RevisionSource,
    Source,
    StoredRevision,
    check_sources,
    checksum_text,
    includes,
    parse_sources,
    read_sources,
)
from bot.flows.model import Flow
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_
from bot.ports import Clock

# Why a request about revisions is refused: English as the command line prints it, kept as
# a phrase (the exception's argument) so the console can say it in the reader's language.
UNKNOWN_FLOW = N_("unknown flow '%(flow)s' (known: %(known)s)")
NONE_PUBLISHED = N_("none published")
NO_SUCH_REVISION = N_("flow '%(flow)s' has no revision %(revision)s (known: %(known)s)")
ALREADY_CURRENT = N_("revision %(revision)s of '%(flow)s' is already the current one")
ALREADY_WITHDRAWN = N_("revision %(revision)s of '%(flow)s' was already withdrawn")
STILL_CURRENT = N_("revision %(revision)s of '%(flow)s' is the current one: publish a fix "
                   "or roll back first, then withdraw it")
#: A publish or withdrawal that lost the race for its publication number (the store says so).
PUBLISHED_MEANWHILE = N_("publication %(number)s was made by someone else meanwhile; nothing "
                         "was stored, try again")


@dataclass(frozen=True)
class RevisionRecord:
    """One stored revision and the publication that made it."""

    flow_id: str
    revision: int
    publication: int
    checksum: str
    published_at: datetime
    published_by: str
    note: str
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None


@dataclass(frozen=True)
class NewRevision:
    flow_id: str
    revision: int
    checksum: str
    root: str
    sources: tuple[Source, ...]


class PublishConflict(Exception):
    """Someone else published at the same moment; nothing of this publish was kept. The
    message (a phrase, the first argument) names the publication number that was taken."""


class FlowStore(RevisionSource, Protocol):
    def history(self) -> list[RevisionRecord]: ...  # pragma: no cover - protocol

    def record(self, number: int, at: datetime, by: str, note: str,
               current: dict[str, int], revisions: Sequence[NewRevision]) -> None:
        """Store a publication and its new revisions in one transaction; PublishConflict if
        the number was taken meanwhile."""
        ...  # pragma: no cover - protocol

    def withdraw(self, flow_id: str, revision: int, number: int, at: datetime, by: str,
                 note: str, current: dict[str, int]) -> None:
        """Mark a revision withdrawn and record publication ``number`` (the same current
        revisions), so every process notices; PublishConflict as ``record``."""
        ...  # pragma: no cover - protocol

    def open_conversations(self) -> dict[tuple[str, int], int]:
        ...  # pragma: no cover - protocol


class UnknownRevision(LookupError):
    """No such flow, or no such revision of it; the message (a phrase, the first argument)
    names what exists."""


class Refused(ValueError):
    """The request makes no sense as asked (the message, a phrase, says why)."""


@dataclass(frozen=True)
class Published:
    """The outcome of a publish: its number (None when nothing changed), the revisions it
    made, and every flow as it now runs (revision numbers final)."""

    number: int | None
    changed: tuple[tuple[str, int], ...]
    flows: dict[str, Flow]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _root_source(stored: StoredRevision) -> Source:
    return next(s for s in stored.sources if s.file == stored.root)


class Publisher:
    def __init__(self, store: FlowStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def publish(self, files: Sequence[Path], extra: Sequence[ExtraCheck], by: str,
                note: str = "", dry_run: bool = False) -> Published:
        """Check the files with every other published flow and publish what changed;
        FlowError (nothing stored) if anything is wrong. ``dry_run``: say what would
        change (``changed``), store nothing."""
        return self.publish_sources(read_sources(files), extra, by, note, dry_run)

    def publish_sources(self, sources: Sequence[Source], extra: Sequence[ExtraCheck],
                        by: str, note: str = "", dry_run: bool = False) -> Published:
        given = parse_sources(sources).flows
        publication = self.store.publication()
        kept = [_root_source(stored) for stored in (publication.current if publication else ())
                if stored.flow_id not in given]
        parsed = check_sources([*sources, *kept], extra)
        history = self.store.history()
        current = {s.flow_id: s.revision for s in publication.current} if publication else {}
        checksums = {(r.flow_id, r.revision): r.checksum for r in history}
        highest: dict[str, int] = {}
        for record in history:
            highest[record.flow_id] = max(highest.get(record.flow_id, 0), record.revision)
        numbers: dict[str, int] = {}
        fresh: list[NewRevision] = []
        for flow_id, flow in parsed.flows.items():
            checksum = digest(checksum_text(flow_id, parsed))
            was = current.get(flow_id)
            if was is not None and checksums.get((flow_id, was)) == checksum:
                numbers[flow_id] = was
                continue
            number = highest[flow_id] + 1 if flow_id in highest else flow.revision
            numbers[flow_id] = number
            fresh.append(NewRevision(
                flow_id, number, checksum, parsed.sources[flow_id].file,
                tuple(parsed.sources[fid] for fid in includes(flow_id, parsed.flows))))
        flows = {fid: replace(flow, revision=numbers[fid]) for fid, flow in parsed.flows.items()}
        changed = tuple((r.flow_id, r.revision) for r in fresh)
        if not fresh or dry_run:
            return Published(None, changed, flows)
        number = self.store.version() + 1
        self.store.record(number, self.clock.now(), by, note, numbers, fresh)
        return Published(number, changed, flows)

    def known(self, flow_id: str, revision: int | None = None) -> RevisionRecord | None:
        """The record of a revision (None without one); UnknownRevision naming the flows,
        or the flow's revisions, that exist."""
        history = self.store.history()
        revisions = [r for r in history if r.flow_id == flow_id]
        if not revisions:
            known = sorted({r.flow_id for r in history})
            raise UnknownRevision(Phrase(UNKNOWN_FLOW, flow=flow_id,
                                         known=", ".join(known) or Phrase(NONE_PUBLISHED)))
        if revision is None:
            return None
        match = next((r for r in revisions if r.revision == revision), None)
        if match is None:
            raise UnknownRevision(Phrase(NO_SUCH_REVISION, flow=flow_id, revision=revision,
                                         known=", ".join(str(r.revision) for r in revisions)))
        return match

    def rollback(self, flow_id: str, revision: int, extra: Sequence[ExtraCheck], by: str,
                 note: str = "") -> Published:
        """Publish an old revision's own text again, as a new revision (the flows it
        includes stay as they are now); checked like any publish."""
        self.known(flow_id, revision)
        stored = self.store.stored(flow_id, revision)
        assert stored is not None
        publication = self.store.publication()
        if publication is not None and any(s.flow_id == flow_id and s.revision == revision
                                           for s in publication.current):
            raise Refused(Phrase(ALREADY_CURRENT, revision=revision, flow=flow_id))
        return self.publish_sources([_root_source(stored)], extra, by,
                                    note or f"rollback of {flow_id} to revision {revision}")

    def withdraw(self, flow_id: str, revision: int, by: str, note: str = "") -> int:
        """Withdraw a harmful revision: conversations on it start again with a clear
        message. Returns how many conversations were open on it."""
        record = self.known(flow_id, revision)
        assert record is not None
        if record.withdrawn_at is not None:
            raise Refused(Phrase(ALREADY_WITHDRAWN, revision=revision, flow=flow_id))
        publication = self.store.publication()
        current = {s.flow_id: s.revision for s in publication.current} if publication else {}
        if current.get(flow_id) == revision:
            raise Refused(Phrase(STILL_CURRENT, revision=revision, flow=flow_id))
        open_on_it = self.store.open_conversations().get((flow_id, revision), 0)
        self.store.withdraw(flow_id, revision, self.store.version() + 1, self.clock.now(), by,
                            note or f"withdrawal of {flow_id} revision {revision}", current)
        return open_on_it
