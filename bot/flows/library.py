"""Load, check and compile a set of flow files; keep every revision a conversation may need.

Loading is all or nothing: if any file has a problem, the library keeps what it had and the
caller gets every problem. Compiled revisions are kept after a reload, so a conversation that
started on revision 3 finishes on revision 3 even when the coordinator publishes revision 4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.flows.checker import check_flows
from bot.flows.compiled import CompiledFlow, compile_graph
from bot.flows.graph import flatten
from bot.flows.model import Flow
from bot.flows.problems import FlowError, Problem
from bot.flows.schema import parse_flow
from bot.flows.yamlsource import load_file

BUNDLED = Path(__file__).resolve().parent

#: Extra checks run on the parsed flows (the translation completeness check plugs in here).
ExtraCheck = Callable[[dict[str, Flow]], list[Problem]]


def flow_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their ``*.yaml`` files, sorted for stable output."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        else:
            files.append(path)
    return files


def parse_files(files: Sequence[Path]) -> dict[str, Flow]:
    """Parse every file; raise one FlowError carrying the problems of all of them."""
    problems: list[Problem] = []
    flows: dict[str, Flow] = {}
    for path in files:
        if not path.exists():
            problems.append(Problem(path.name, 1, "", "", "no such file"))
            continue
        try:
            flow = parse_flow(load_file(path), path.name)
        except FlowError as exc:
            problems.extend(exc.problems)
            continue
        if flow.id in flows:
            problems.append(Problem(path.name, flow.line_of("id"), "", "id",
                                    f"flow id '{flow.id}' is also used by {flows[flow.id].file}"))
            continue
        flows[flow.id] = flow
    if problems:
        raise FlowError(problems)
    return flows


def check(files: Sequence[Path], extra: Sequence[ExtraCheck] = ()) -> dict[str, Flow]:
    """Parse and prove a set of flows; return them only if there is nothing to report."""
    flows = parse_files(files)
    problems = check_flows(flows)
    if not problems:
        for more in extra:
            problems.extend(more(flows))
    if problems:
        raise FlowError(problems)
    return flows


class FlowLibrary:
    """The compiled flows a running product serves, by id and by (id, revision)."""

    def __init__(self) -> None:
        self._current: dict[str, CompiledFlow] = {}
        self._revisions: dict[tuple[str, int], CompiledFlow] = {}
        self.flows: dict[str, Flow] = {}

    @classmethod
    def load(cls, paths: Iterable[Path], extra: Sequence[ExtraCheck] = ()) -> FlowLibrary:
        library = cls()
        library.publish(paths, extra)
        return library

    def publish(self, paths: Iterable[Path], extra: Sequence[ExtraCheck] = ()) -> list[str]:
        """Check and compile new files; on success make them current. Returns changed ids."""
        flows = check(flow_files(paths), extra)
        changed = []
        compiled: dict[str, CompiledFlow] = {}
        for flow in flows.values():
            fresh = compile_graph(flatten(flow, flows))
            known = self._revisions.get(fresh.key)
            if known is None:
                compiled[flow.id] = fresh
                changed.append(flow.id)
            elif (known.graph.nodes, known.graph.edges) == (fresh.graph.nodes, fresh.graph.edges):
                compiled[flow.id] = known
            else:
                raise FlowError([Problem(flow.file, flow.line_of("revision"), "", "revision",
                                         f"revision {flow.revision} of '{flow.id}' (or a flow it "
                                         "includes) changed; raise the revision when editing")])
        for flow_id, item in compiled.items():
            self._current[flow_id] = item
            self._revisions[item.key] = item
        self.flows = flows
        return changed

    def current(self, flow_id: str) -> CompiledFlow:
        try:
            return self._current[flow_id]
        except KeyError:
            raise KeyError(f"unknown flow '{flow_id}'") from None

    def revision(self, flow_id: str, revision: int) -> CompiledFlow:
        try:
            return self._revisions[(flow_id, revision)]
        except KeyError:
            raise KeyError(f"flow '{flow_id}' revision {revision} is not loaded") from None

    def entry_flows(self) -> list[str]:
        return sorted(fid for fid, c in self._current.items() if c.flow.kind == "flow")
