"""Load, check and compile flows; serve the published revisions and every one a conversation
may need.

Checking is all or nothing: if any file has a problem, nothing changes and the caller gets
every problem. A running product's library reads what runs from a :class:`RevisionSource`
(the database's published revisions): it polls the source's version at most every
``interval`` seconds and swaps in a new publication whole, so every process serves a publish
within seconds and without a restart. A revision no longer current is compiled again from its
stored text when a conversation pinned to it moves, in any process, after any restart.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from bot.flows.checker import check_flows
from bot.flows.compiled import CompiledFlow, compile_graph
from bot.flows.graph import flatten
from bot.flows.model import Flow, IncludeNode
from bot.flows.problems import FlowError, Problem
from bot.flows.schema import parse_flow
from bot.flows.yamlsource import CANNOT_READ, load_text
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_
from bot.polling import POLL_SECONDS, Poll

BUNDLED = Path(__file__).resolve().parent

#: Extra checks run on the parsed flows (the translation completeness check plugs in here).
ExtraCheck = Callable[[dict[str, Flow]], list[Problem]]

log = logging.getLogger(__name__)


def flow_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their ``*.yaml`` files, sorted for stable output."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Source:
    """One flow file's text, as read (or as stored with a published revision)."""

    file: str
    text: str


@dataclass
class Parsed:
    """Flows parsed from sources, by id, with the source and raw mapping of each."""

    flows: dict[str, Flow] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_sources(files: Sequence[Path]) -> list[Source]:
    """Read every file; raise one FlowError naming every file that cannot be read."""
    problems: list[Problem] = []
    sources: list[Source] = []
    for path in files:
        if not path.exists():
            problems.append(Problem(path.name, 1, "", "", Phrase(N_("no such file"))))
            continue
        try:
            sources.append(Source(path.name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, 1, "", "", Phrase(CANNOT_READ, error=str(exc))))
    if problems:
        raise FlowError(problems)
    return sources


def parse_sources(sources: Sequence[Source]) -> Parsed:
    """Parse every source; raise one FlowError carrying the problems of all of them."""
    problems: list[Problem] = []
    parsed = Parsed()
    for source in sources:
        try:
            raw = load_text(source.text, source.file)
            flow = parse_flow(raw, source.file)
        except FlowError as exc:
            problems.extend(exc.problems)
            continue
        if flow.id in parsed.flows:
            problems.append(Problem(source.file, flow.line_of("id"), "", "id",
                                    Phrase(N_("flow id '%(flow)s' is also used by %(file)s"),
                                           flow=flow.id, file=parsed.flows[flow.id].file)))
            continue
        parsed.flows[flow.id] = flow
        parsed.sources[flow.id] = source
        parsed.raw[flow.id] = raw
    if problems:
        raise FlowError(problems)
    return parsed


def parse_files(files: Sequence[Path]) -> dict[str, Flow]:
    """Parse every file; raise one FlowError carrying the problems of all of them."""
    return parse_sources(read_sources(files)).flows


def check_sources(sources: Sequence[Source], extra: Sequence[ExtraCheck] = ()) -> Parsed:
    """Parse and prove a set of flows; return them only if there is nothing to report."""
    parsed = parse_sources(sources)
    problems = check_flows(parsed.flows)
    if not problems:
        for more in extra:
            problems.extend(more(parsed.flows))
    if problems:
        raise FlowError(problems)
    return parsed


def check(files: Sequence[Path], extra: Sequence[ExtraCheck] = ()) -> dict[str, Flow]:
    """Parse and prove a set of flow files; return them only if there is nothing to report."""
    return check_sources(read_sources(files), extra).flows


def includes(flow_id: str, flows: Mapping[str, Flow]) -> list[str]:
    """The flow and every flow it includes, directly or not, in a stable order."""
    seen: list[str] = []
    pending = [flow_id]
    while pending:
        current = pending.pop()
        if current in seen or current not in flows:
            continue
        seen.append(current)
        pending.extend(sorted(node.flow for node in flows[current].nodes.values()
                              if isinstance(node, IncludeNode)))
    return [seen[0], *sorted(seen[1:])]


def checksum_text(flow_id: str, parsed: Parsed) -> str:
    """What a revision is made of, written out canonically: the content of the flow and of
    every flow it includes, ``revision`` left out. Comments and layout never count; the
    order of options and nodes does (it is what the referrer sees)."""
    content = {}
    for fid in includes(flow_id, parsed.flows):
        content[fid] = {k: v for k, v in parsed.raw[fid].items() if k != "revision"}
    return json.dumps(content, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class StoredRevision:
    """A published revision as stored: its number and the sources it was compiled from."""

    flow_id: str
    revision: int
    root: str  # the file name of the flow itself among ``sources``
    sources: tuple[Source, ...]
    withdrawn: bool = False


@dataclass(frozen=True)
class Publication:
    """What runs after one publish: the current revision of every flow."""

    version: int
    current: tuple[StoredRevision, ...]
    withdrawn: frozenset[tuple[str, int]] = frozenset()


class RevisionSource(Protocol):
    """Where published revisions are kept (``storage.flowstore.SqlFlowStore``)."""

    def version(self) -> int:
        """The number of the latest publication, 0 if nothing was ever published."""
        ...  # pragma: no cover - protocol

    def publication(self) -> Publication | None: ...  # pragma: no cover - protocol

    def stored(self, flow_id: str, revision: int) -> StoredRevision | None:
        ...  # pragma: no cover - protocol


class RevisionUnavailable(KeyError):
    """A conversation's revision cannot be served: withdrawn, or not stored anywhere."""

    def __str__(self) -> str:
        return str(self.args[0])


def compile_stored(stored: StoredRevision,
                   cache: dict[Source, Parsed] | None = None) -> tuple[Flow, CompiledFlow]:
    """Compile a stored revision from its own sources (its includes as they were)."""
    flows: dict[str, Flow] = {}
    for source in stored.sources:
        parsed = cache.get(source) if cache is not None else None
        if parsed is None:
            parsed = parse_sources([source])
            if cache is not None:
                cache[source] = parsed
        flows.update(parsed.flows)
    if stored.flow_id not in flows:
        raise FlowError([Problem(stored.root, 1, "", "id",
                                 Phrase(N_("the stored revision has no flow '%(flow)s'"),
                                        flow=stored.flow_id))])
    root = replace(flows[stored.flow_id], revision=stored.revision)
    flows[root.id] = root
    return root, compile_graph(flatten(root, flows))


class FlowLibrary:
    """The compiled flows a running product serves, by id and by (id, revision)."""

    def __init__(self, source: RevisionSource | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 interval: float = POLL_SECONDS) -> None:
        self._source = source
        #: When to ask the source again (at most every ``interval`` seconds, on use).
        self._poll = Poll(interval, clock)
        self._current: dict[str, CompiledFlow] = {}
        self._revisions: dict[tuple[str, int], CompiledFlow] = {}
        self._withdrawn: frozenset[tuple[str, int]] = frozenset()
        self.flows: dict[str, Flow] = {}
        #: The publication served (0: flows loaded from files, not from a source).
        self.version = 0

    @classmethod
    def load(cls, paths: Iterable[Path], extra: Sequence[ExtraCheck] = ()) -> FlowLibrary:
        """Flows straight from files, unpublished (checks, graphs, scenarios, tests)."""
        library = cls()
        library.install(0, check(flow_files(paths), extra))
        return library

    def publish(self, paths: Iterable[Path], extra: Sequence[ExtraCheck] = ()) -> list[str]:
        """A library of files only (checks, tests): check new files and make them current,
        all or nothing; returns the ids of the revisions that are new. Revisions are as the
        files say, so a changed flow under a revision already loaded is refused. The running
        product publishes into the database instead (``bot.service.publishing``)."""
        flows = check(flow_files(paths), extra)
        changed = []
        for flow in flows.values():
            known = self._revisions.get((flow.id, flow.revision))
            if known is None:
                changed.append(flow.id)
                continue
            fresh = flatten(flow, flows)
            if (known.graph.nodes, known.graph.edges) != (fresh.nodes, fresh.edges):
                raise FlowError([Problem(flow.file, flow.line_of("revision"), "", "revision",
                                         Phrase(N_("revision %(revision)s of '%(flow)s' (or "
                                                   "a flow it includes) changed; raise the "
                                                   "revision, or publish with intake flows "
                                                   "publish"), revision=flow.revision,
                                                flow=flow.id))])
        self.install(self.version, flows)
        return changed

    def install(self, version: int, flows: dict[str, Flow]) -> None:
        """Make checked flows (revision numbers final) current, all at once."""
        compiled = {}
        for flow in flows.values():
            compiled[flow.id] = self._revisions.get((flow.id, flow.revision)) \
                or compile_graph(flatten(flow, flows))
        self._swap(version, compiled, dict(flows), self._withdrawn)

    def _swap(self, version: int, compiled: dict[str, CompiledFlow], flows: dict[str, Flow],
              withdrawn: frozenset[tuple[str, int]]) -> None:
        for item in compiled.values():
            self._revisions.setdefault(item.key, item)
        self._current = compiled
        self.flows = flows
        self._withdrawn = withdrawn
        self.version = version

    def refresh(self, force: bool = False) -> bool:
        """Serve the source's newest publication if there is one (polled at most every
        ``interval`` seconds unless forced). True when something new was installed."""
        if self._source is None:
            return False
        return self._poll.ask(self._refresh, force)

    def _refresh(self) -> bool:
        """Install the source's newest publication whole, or keep what runs."""
        assert self._source is not None
        if self._source.version() == self.version:
            return False
        publication = self._source.publication()
        if publication is None or publication.version == self.version:
            return False
        cache: dict[Source, Parsed] = {}
        compiled: dict[str, CompiledFlow] = {}
        flows: dict[str, Flow] = {}
        try:
            for stored in publication.current:
                known = self._revisions.get((stored.flow_id, stored.revision))
                if known is None:
                    known = compile_stored(stored, cache)[1]
                compiled[stored.flow_id] = known
                flows[stored.flow_id] = known.flow
        except FlowError as error:  # keep serving what runs; say why, no content
            log.error("publication %d cannot be compiled, still serving %d: %s",
                      publication.version, self.version, error.problems[0])
            return False
        self._swap(publication.version, compiled, flows, publication.withdrawn)
        return True

    def current(self, flow_id: str) -> CompiledFlow:
        self.refresh()
        try:
            return self._current[flow_id]
        except KeyError:
            raise KeyError(f"unknown flow '{flow_id}'") from None

    def revision(self, flow_id: str, revision: int, *, withdrawn: bool = False) -> CompiledFlow:
        """The revision a conversation is pinned to; RevisionUnavailable if it was withdrawn
        or is stored nowhere (a KeyError, as an unknown flow is). ``withdrawn``: serve a
        withdrawn revision too, to read what was made with it (a referral's labels)."""
        self.refresh()
        key = (flow_id, revision)
        if key in self._withdrawn and not withdrawn:
            raise RevisionUnavailable(f"flow '{flow_id}' revision {revision} was withdrawn")
        compiled = self._revisions.get(key)
        if compiled is None and self._source is not None:
            stored = self._source.stored(flow_id, revision)
            if stored is not None and stored.withdrawn and not withdrawn:
                raise RevisionUnavailable(f"flow '{flow_id}' revision {revision} was withdrawn")
            if stored is not None:
                try:
                    compiled = compile_stored(stored)[1]
                except FlowError:
                    raise RevisionUnavailable(f"flow '{flow_id}' revision {revision} no "
                                              "longer compiles") from None
                self._revisions[key] = compiled
        if compiled is None:
            raise RevisionUnavailable(f"flow '{flow_id}' revision {revision} is not loaded")
        return compiled

    def available(self, flow_id: str, revision: int) -> bool:
        """Whether a conversation pinned to this revision can go on."""
        try:
            self.revision(flow_id, revision)
        except KeyError:
            return False
        return True

    def entry_flows(self) -> list[str]:
        return sorted(fid for fid, c in self._current.items() if c.flow.kind == "flow")
