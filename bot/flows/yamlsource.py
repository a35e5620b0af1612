"""YAML loading that keeps line numbers and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys; a coordinator who pasted a node twice
would lose one without a word. We load mappings as :class:`LocatedDict`, which remembers the
line of the mapping and of each key, so every later error can point at the right line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.flows.problems import FlowError, Problem


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


class _Loader(yaml.SafeLoader):
    problems: list[Problem]
    filename: str


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            loader.problems.append(
                Problem(loader.filename, line, "", key,
                        f"duplicate key (first at line {result.key_lines[key]})")
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_text(text: str, filename: str) -> LocatedDict:
    """Parse one YAML document whose top level must be a mapping."""
    loader = _Loader(text)
    loader.problems = []
    loader.filename = filename
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "unreadable YAML"
        raise FlowError([Problem(filename, line, "", "", f"YAML syntax: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise FlowError([Problem(filename, 1, "", "", f"YAML syntax: {exc}")]) from None
    finally:
        loader.dispose()
    if loader.problems:
        raise FlowError(loader.problems)
    if not isinstance(data, LocatedDict):
        raise FlowError([Problem(filename, 1, "", "", "the file must be a YAML mapping")])
    return data


def load_file(path: Path) -> LocatedDict:
    """Read and parse a flow or directory file, naming it by its file name in errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError([Problem(path.name, 1, "", "", f"cannot read file: {exc}")]) from None
    return load_text(text, path.name)
