"""The published flows as the console shows them, and what a national coordinator does to
them: publish a checked draft, roll back, withdraw.

The same facts as ``intake flows list|show|diff``: each flow's current revision with who
published it, when and why, the conversations still open on its older revisions, and its
withdrawn ones; a revision written out question by question (:func:`bot.flows.outline`) and
the readable difference between two. Every change goes through
:class:`bot.service.publishing.Publisher`, so the console checks exactly as the command
does, translations included, and a refused change stores nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.flows.graph import Graph, flatten
from bot.flows.library import ExtraCheck, StoredRevision, parse_sources
from bot.flows.model import Flow
from bot.flows.outline import outline
from bot.flows.problems import FlowError
from bot.ports import Clock
from bot.service.drafts import Draft
from bot.service.publishing import FlowStore, Published, Publisher, RevisionRecord


@dataclass(frozen=True)
class FlowRow:
    """One flow in the list: its current revision and the publication that made it."""

    flow_id: str
    title: str
    kind: str
    revision: int
    published_at: datetime
    published_by: str
    note: str
    #: Conversations still open on older revisions, by revision.
    open_older: tuple[tuple[int, int], ...]
    withdrawn: tuple[int, ...]

    @property
    def open_total(self) -> int:
        return sum(n for _, n in self.open_older)


@dataclass(frozen=True)
class RevisionRow:
    record: RevisionRecord
    current: bool
    open: int

    @property
    def withdrawn(self) -> bool:
        return self.record.withdrawn_at is not None


@dataclass(frozen=True)
class RevisionView:
    """A published revision with what it is made of: the flow as written (for the diagram)
    and its outline (every question, option and rule, includes resolved)."""

    record: RevisionRecord
    stored: StoredRevision
    flow: Flow
    outline: tuple[str, ...]
    current: bool

    @property
    def source(self) -> str:
        return next(s.text for s in self.stored.sources if s.file == self.stored.root)


def flattened(stored: StoredRevision) -> tuple[Flow, Graph]:
    """A stored revision's own flow and its graph with includes resolved, from its own
    sources (no state machine is built: reading needs none). FlowError if it no longer
    parses."""
    flows: dict[str, Flow] = {}
    for source in stored.sources:
        flows.update(parse_sources([source]).flows)
    if stored.flow_id not in flows:
        raise FlowError([])
    root = replace(flows[stored.flow_id], revision=stored.revision)
    flows[root.id] = root
    return root, flatten(root, flows)


#: How many read revisions a cache keeps (a revision's text never changes once stored).
CACHED_REVISIONS = 64


class FlowDesk:
    """``cache``: a mapping kept between requests for the revisions already read (their
    flow and outline), so a page shown again does not parse the stored text again."""

    def __init__(self, store: FlowStore, clock: Clock, extra: Sequence[ExtraCheck],
                 cache: MutableMapping[tuple[str, int], tuple[Flow, tuple[str, ...]]]
                 | None = None) -> None:
        self.store = store
        self.publisher = Publisher(store, clock)
        self.extra = list(extra)
        self.cache = cache if cache is not None else {}

    # -- reading -------------------------------------------------------------------------
    def _current(self) -> dict[str, StoredRevision]:
        publication = self.store.publication()
        return {s.flow_id: s for s in publication.current} if publication else {}

    def version(self) -> int:
        return self.store.version()

    def rows(self, running: Mapping[str, Flow] | None = None) -> list[FlowRow]:
        """Every published flow with its current revision, as ``intake flows list``.
        ``running``: the flows a library already serves, to read titles from without
        parsing the stored text again."""
        publication = self.store.publication()
        if publication is None:
            return []
        history = {(r.flow_id, r.revision): r for r in self.store.history()}
        open_on = self.store.open_conversations()
        rows = []
        for stored in publication.current:
            record = history[(stored.flow_id, stored.revision)]
            flow = (running or {}).get(stored.flow_id)
            if flow is None or flow.revision != stored.revision:
                flow = self._root(stored)
            older = tuple(sorted((rev, n) for (fid, rev), n in open_on.items()
                                 if fid == stored.flow_id and rev != stored.revision))
            withdrawn = tuple(sorted(rev for fid, rev in publication.withdrawn
                                     if fid == stored.flow_id))
            rows.append(FlowRow(stored.flow_id, flow.title.msgid if flow else "",
                                flow.kind if flow else "", stored.revision,
                                record.published_at, record.published_by, record.note,
                                older, withdrawn))
        return rows

    @staticmethod
    def _root(stored: StoredRevision) -> Flow | None:
        root = next(s for s in stored.sources if s.file == stored.root)
        try:
            return parse_sources([root]).flows.get(stored.flow_id)
        except FlowError:
            return None

    def history(self, flow_id: str) -> list[RevisionRow]:
        """A flow's revisions, newest first; UnknownRevision for an unknown flow."""
        self.publisher.known(flow_id)
        current = self._current().get(flow_id)
        open_on = self.store.open_conversations()
        return [RevisionRow(r, current is not None and r.revision == current.revision,
                            open_on.get((flow_id, r.revision), 0))
                for r in reversed(self.store.history()) if r.flow_id == flow_id]

    def revision(self, flow_id: str, revision: int | None = None) -> RevisionView:
        """A published revision (default: the current one); UnknownRevision names what
        exists. FlowError if the stored text no longer compiles."""
        current = self._current().get(flow_id)
        self.publisher.known(flow_id, revision)
        if revision is None:
            if current is None:  # pragma: no cover - a published flow is in every publication
                raise FlowError([])
            revision = current.revision
        record = self.publisher.known(flow_id, revision)
        stored = self.store.stored(flow_id, revision)
        assert record is not None and stored is not None
        known = self.cache.get((flow_id, revision))
        if known is None:
            root, graph = flattened(stored)
            known = (root, tuple(outline(graph)))
            if len(self.cache) >= CACHED_REVISIONS:
                self.cache.clear()
            self.cache[(flow_id, revision)] = known
        return RevisionView(record, stored, known[0], known[1],
                            current is not None and current.revision == revision)

    def diff(self, flow_id: str, old: int, new: int) -> list[str]:
        """The readable difference between two revisions (as ``intake flows diff``): the
        outline lines removed (``-``) and added (``+``) with one line of context; empty
        when they ask the same."""
        before = self.revision(flow_id, old).outline[1:]  # the title line names the revision
        after = self.revision(flow_id, new).outline[1:]
        return list(difflib.unified_diff(before, after, f"{flow_id} r{old}",
                                         f"{flow_id} r{new}", n=1, lineterm=""))

    # -- changing ------------------------------------------------------------------------
    def publish(self, draft: Draft, by: str, note: str) -> Published:
        """Publish a checked draft, checked again with what is published now (someone may
        have published meanwhile); FlowError or PublishConflict store nothing."""
        return self.publisher.publish_sources(draft.sources, self.extra, by, note)

    def rollback(self, flow_id: str, revision: int, by: str, note: str) -> Published:
        return self.publisher.rollback(flow_id, revision, self.extra, by, note)

    def withdraw(self, flow_id: str, revision: int, by: str, note: str) -> int:
        return self.publisher.withdraw(flow_id, revision, by, note)
