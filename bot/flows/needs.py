"""The person's needs as case types, for an intake that ends without a referral.

An intake may end with no referral: the person is not eligible, refused consent, or is at
low risk and wants information only. The SOPs still ask that they be told where to go
(PwSN SOPs: "provide information on available services"; Annex E: "tell the child/family
how to get help later"). The directory maps services to case types, so the host needs the
case types the pathway would have referred to:

* the case types whose condition holds on the answers given so far (the needs chosen);
* if no condition holds yet (the needs were not asked), every case type the pathway can
  refer to.

The pathway is the flow the conversation was in when it ended (a sub-flow of the intake),
found from the path of the node it rested on. Pure: no directory, no storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flows import conditions
from bot.flows.compiled import CompiledFlow
from bot.flows.model import ReferNode


def pathway_case_types(flow: CompiledFlow, state: str,
                       answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Case types for the needs of a conversation that rested on ``state``; () if the flow
    it was in refers to nothing (the entry questions)."""
    # Nodes of one inclusion share the path before their own id ("pwsn_flow/consent"); a
    # flow included twice (the urgent screen) is told apart by it.
    prefix = state[:state.rfind("/") + 1]
    refers = [node for qid, node in flow.graph.nodes.items()
              if isinstance(node, ReferNode) and qid.startswith(prefix)
              and "/" not in qid[len(prefix):]]
    chosen: list[str] = []
    every: list[str] = []
    for refer in refers:
        for rule in refer.case_type:
            every.append(rule.value)
            if rule.when is not None and conditions.evaluate(rule.when, answers):
                chosen.append(rule.value)
    return tuple(dict.fromkeys(chosen or every))
