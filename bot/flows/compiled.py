"""A checked flow compiled once into a shared ``transitions`` state machine.

The machine is built once per (flow, revision) with no model attached and no automatic
transitions. Each step drives a throw-away :class:`Cursor` through it by firing the edge's
event directly, so no model is ever added to the machine's list and nothing leaks between
conversations. The machine is the authority on which moves are legal: a move it does not know
raises, rather than silently jumping.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from transitions import Machine, MachineError

from bot.flows.graph import EXIT, Graph
from bot.flows.model import AnyNode, AskNode, Flow

URGENT = "urgent"


class Cursor:
    """The light model the machine moves: just the current state."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class IllegalMove(RuntimeError):
    """The engine asked for a move the compiled flow does not allow."""


@dataclass(frozen=True)
class CompiledFlow:
    graph: Graph
    machine: Machine

    @property
    def flow(self) -> Flow:
        return self.graph.root

    @property
    def key(self) -> tuple[str, int]:
        return (self.flow.id, self.flow.revision)

    def node(self, qid: str) -> AnyNode:
        return self.graph.nodes[qid]

    @cached_property
    def adds_up(self) -> tuple[AskNode, ...]:
        """The questions whose answers add up (``adds_up_as``), found once per revision."""
        return tuple(node for node in self.graph.nodes.values()
                     if isinstance(node, AskNode) and node.adds_up_as is not None)

    def move(self, state: str, label: str) -> str:
        """Follow the edge ``label`` out of ``state``; returns the new state (or EXIT)."""
        event = self.machine.events.get(label)
        if event is None:
            raise IllegalMove(f"no move '{label}' in flow {self.flow.id}")
        cursor = Cursor(state)
        try:
            if not event.trigger(cursor):
                raise IllegalMove(f"move '{label}' refused in state '{state}'")
        except MachineError as exc:
            raise IllegalMove(str(exc.value)) from None
        return cursor.state


def compile_graph(graph: Graph) -> CompiledFlow:
    """Build the shared machine for one flattened, checked flow."""
    states = [*graph.nodes, EXIT]
    transitions = []
    for qid, edges in graph.edges.items():
        for label, dest in edges:
            transitions.append({"trigger": label, "source": qid, "dest": dest})
        if qid in graph.urgent:
            transitions.append({"trigger": URGENT, "source": qid, "dest": graph.urgent[qid]})
    machine = Machine(model=None, states=states, transitions=transitions,
                      initial=graph.start, auto_transitions=False, send_event=False)
    return CompiledFlow(graph, machine)
