"""A root flow with its includes resolved into one flat graph of qualified node ids.

A node included through ``include`` node ``screen`` gets the id ``screen/<its id>``; a
``return`` in the sub-flow becomes an edge to the include node's ``next``. Node objects are
shared, not copied: answers are recorded under the node's own (local) id, so a sub-flow
included in several places asks, and stores, the same question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.flows.model import AnyNode, Flow, IncludeNode, ReturnNode

#: The pseudo-target a ``return`` leads to when its flow is checked on its own.
EXIT = "<return>"


@dataclass
class Graph:
    root: Flow
    start: str
    nodes: dict[str, AnyNode] = field(default_factory=dict)
    edges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    origin: dict[str, Flow] = field(default_factory=dict)
    urgent: dict[str, str] = field(default_factory=dict)  # node → target of /urgent
    #: Include prefix ("screen/") → the fixed answers its include ``sets``.
    sets: dict[str, dict[str, str]] = field(default_factory=dict)

    def sets_at(self, qid: str) -> dict[str, str]:
        """The fixed answers of every include the node ``qid`` is inside, outermost first."""
        found: dict[str, str] = {}
        for prefix in sorted(self.sets, key=len):
            if qid.startswith(prefix):
                found.update(self.sets[prefix])
        return found

    def target(self, qid: str, label: str) -> str:
        for name, dest in self.edges[qid]:
            if name == label:
                return dest
        raise KeyError(f"{qid} has no edge '{label}'")


class _Flattener:
    def __init__(self, flows: Mapping[str, Flow], root: Flow) -> None:
        self.flows = flows
        self.graph = Graph(root, "")

    def resolve(self, flow: Flow, prefix: str, local: str, return_to: str) -> str:
        node = flow.nodes.get(local)
        if isinstance(node, ReturnNode):
            return return_to
        if isinstance(node, IncludeNode):
            # The checker refuses a subflow that starts with return, so where it returns to is
            # not needed here; computing it would recurse forever on `next` back to the include.
            sub = self.flows[node.flow]
            return self.resolve(sub, f"{prefix}{local}/", sub.start, EXIT)
        return f"{prefix}{local}"

    def expand(self, flow: Flow, prefix: str, return_to: str, urgent: str | None) -> None:
        if flow.urgent:
            urgent = self.resolve_path(flow, prefix, flow.urgent, return_to)
        for local, node in flow.nodes.items():
            if isinstance(node, ReturnNode):
                continue
            if isinstance(node, IncludeNode):
                after = (self.resolve(flow, prefix, node.next, return_to) if node.next else EXIT)
                if node.sets:
                    self.graph.sets[f"{prefix}{local}/"] = dict(node.sets)
                self.expand(self.flows[node.flow], f"{prefix}{local}/", after, urgent)
                continue
            qid = f"{prefix}{local}"
            self.graph.nodes[qid] = node
            self.graph.origin[qid] = flow
            self.graph.edges[qid] = [
                (label, self.resolve(flow, prefix, dest, return_to))
                for label, dest in node.edges()
            ]
            if urgent:
                self.graph.urgent[qid] = urgent

    def resolve_path(self, flow: Flow, prefix: str, path: str, return_to: str) -> str:
        """Resolve ``inc/node`` paths that point inside an included flow."""
        head, _, rest = path.partition("/")
        node = flow.nodes[head]
        if rest and isinstance(node, IncludeNode):
            return self.resolve_path(self.flows[node.flow], f"{prefix}{head}/", rest, return_to)
        return self.resolve(flow, prefix, head, return_to)


def flatten(root: Flow, flows: Mapping[str, Flow]) -> Graph:
    """Resolve includes; the flows must already have passed the per-file checks."""
    flattener = _Flattener(flows, root)
    flattener.graph.start = flattener.resolve(root, "", root.start, EXIT)
    flattener.expand(root, "", EXIT, None)
    return flattener.graph
