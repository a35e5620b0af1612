"""YAML loading that keeps line numbers and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys; a coordinator who pasted a node twice
would lose one without a word. We load mappings as :class:`LocatedDict`, which remembers the
line of the mapping and of each key, so every later error can point at the right line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.flows.problems import FlowError, Problem
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: Said when a file cannot be read (not found, no permission, not UTF-8).
CANNOT_READ = N_("cannot read file: %(error)s")
#: PyYAML's own account of a syntax error stays in English after this.
YAML_SYNTAX = N_("YAML syntax: %(problem)s")


class LocatedDict(dict[str, Any]):
    """A mapping that knows the (1-based) line of itself and of each of its keys."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


#: libyaml's parser when PyYAML was built with it (ten times faster on large flows).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


# Only true/false are booleans (as in YAML 1.2): an option written ``yes: Yes`` or a test
# ``is: no`` must stay the word the coordinator wrote, not turn into True or False.
_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


_STR = "tag:yaml.org,2002:str"


class _Converter:
    """Turns composed YAML nodes into located values; plain strings skip the constructor."""

    def __init__(self, loader: _Loader, filename: str) -> None:
        self.loader = loader
        self.filename = filename
        self.problems: list[Problem] = []

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.loader.construct_object(node)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList(self.value(child) for child in node.value)
            items.line = node.start_mark.line + 1
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        return self.loader.construct_object(node)  # pragma: no cover - no other node kinds

    def mapping(self, node: yaml.MappingNode) -> LocatedDict:
        result = LocatedDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                self.problems.append(Problem(self.filename, line, "", key,
                                             Phrase(N_("duplicate key (first at line "
                                                       "%(line)s)"),
                                                    line=result.key_lines[key])))
                continue
            result[key] = self.value(value_node)
            result.key_lines[key] = line
        return result


def load_text(text: str, filename: str) -> LocatedDict:
    """Parse one YAML document whose top level must be a mapping."""
    loader = _Loader(text)
    converter = _Converter(loader, filename)
    try:
        node = loader.get_single_node()
        data = converter.value(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "unreadable YAML"
        if exc.context and exc.context_mark is not None:  # where the unclosed thing began
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
            if mark is not None and mark.index >= len(text):  # past the end: point at the start
                line = exc.context_mark.line + 1
        raise FlowError([Problem(filename, line, "", "",
                                 Phrase(YAML_SYNTAX, problem=problem))]) from None
    except yaml.YAMLError as exc:
        raise FlowError([Problem(filename, 1, "", "",
                                 Phrase(YAML_SYNTAX, problem=str(exc)))]) from None
    except RecursionError:
        raise FlowError([Problem(filename, 1, "", "",
                                 Phrase(N_("YAML nested too deeply")))]) from None
    finally:
        loader.dispose()
    if converter.problems:
        raise FlowError(converter.problems)
    if not isinstance(data, LocatedDict):
        raise FlowError([Problem(filename, 1, "", "",
                                 Phrase(N_("the file must be a YAML mapping")))])
    return data


def load_file(path: Path) -> LocatedDict:
    """Read and parse a flow or directory file, naming it by its file name in errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError([Problem(path.name, 1, "", "",
                                 Phrase(CANNOT_READ, error=str(exc)))]) from None
    return load_text(text, path.name)
