"""Flow spec versions and the small functions that lift an old file to the current one.

Each migration takes the raw mapping of version N and returns version N + 1, keeping line
numbers so errors in an old file still point at the right place. Files are never rewritten
on disk: the coordinator's file stays as written.

Version history:

* 1: ``nodes`` was a list of mappings each carrying an ``id``; information nodes had
  ``type: info``.
* 2 (current): ``nodes`` is a mapping from id to node; information nodes are ``type: say``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.flows.problems import FlowError, Problem
from bot.flows.yamlsource import LocatedDict, LocatedList
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

CURRENT_SPEC = 2


def _v1_to_v2(raw: LocatedDict, file: str) -> LocatedDict:
    nodes = raw.get("nodes")
    if not isinstance(nodes, LocatedList):
        raise FlowError([Problem(file, raw.line_of("nodes"), "", "nodes",
                                 Phrase(N_("spec_version 1 expects a list of nodes")))])
    mapping = LocatedDict()
    mapping.line, mapping.key_lines = nodes.line, {}
    for index, node in enumerate(nodes):
        line = nodes.line_of(index)
        if not isinstance(node, LocatedDict) or not isinstance(node.get("id"), str):
            raise FlowError([Problem(file, line, "", f"nodes[{index}]",
                                     Phrase(N_("a node needs an 'id'")))])
        body = LocatedDict((k, v) for k, v in node.items() if k != "id")
        body.line, body.key_lines = node.line, dict(node.key_lines)
        if body.get("type") == "info":
            body["type"] = "say"
        if node["id"] in mapping:
            raise FlowError([Problem(file, line, node["id"], "id",
                                     Phrase(N_("duplicate node id")))])
        mapping[node["id"]] = body
        mapping.key_lines[node["id"]] = line
    result = LocatedDict(raw)
    result.line, result.key_lines = raw.line, dict(raw.key_lines)
    result["nodes"] = mapping
    result["spec_version"] = 2
    return result


MIGRATIONS: dict[int, Callable[[LocatedDict, str], LocatedDict]] = {1: _v1_to_v2}


def migrate(raw: LocatedDict, file: str) -> LocatedDict:
    """Bring a flow mapping up to :data:`CURRENT_SPEC`, or explain why it cannot be."""
    version = raw.get("spec_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise FlowError([Problem(file, raw.line_of("spec_version"), "", "spec_version",
                                 Phrase(N_("is required and must be a whole number "
                                           "(current: %(current)s)"), current=CURRENT_SPEC))])
    if version > CURRENT_SPEC or version < 1:
        raise FlowError([Problem(file, raw.line_of("spec_version"), "", "spec_version",
                                 Phrase(N_("unsupported version %(version)s (this release "
                                           "reads 1 to %(current)s)"), version=version,
                                        current=CURRENT_SPEC))])
    while version < CURRENT_SPEC:
        raw = MIGRATIONS[version](raw, file)
        version += 1
    return raw
