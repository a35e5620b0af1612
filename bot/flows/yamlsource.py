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
#: Where the YAML reader stopped, said to a coordinator before what to look for there.
STOPPED_AT = N_("The YAML cannot be read at line %(line)s, column %(column)s.")
# What to look for, by what PyYAML (or libyaml) says went wrong.
OPEN_QUOTE = N_("A quotation mark (\" or ') opens a text that is never closed: close it with "
                "the same mark.")
UNKNOWN_ESCAPE = N_("A backslash inside double quotes starts a code YAML does not know: use "
                    "single quotes, or write the backslash twice.")
COLON_IN_TEXT = N_("A colon followed by a space inside a text, or a line indented deeper than "
                   "the key above it: put the text in quotes, or line the key up with the "
                   "others.")
TAB_INDENT = N_("A tab in the indentation: YAML indents with spaces only, so put spaces in "
                "place of the tab.")
CANNOT_BEGIN = N_("A character that cannot begin a value, such as a tab, @ or `: indent with "
                  "spaces only, and put a text that begins with such a character in quotes.")
OPEN_LIST = N_("A list opened with [ is not closed with ], or its items are not separated "
               "by commas.")
OPEN_MAPPING = N_("A mapping opened with { is not closed with }, or its entries are not "
                  "separated by commas.")
NO_COLON = N_("A line that is neither \"key: value\" nor a list item: add the colon after "
              "the key, or join the line to the one above.")
OWN_MARK = N_("A value that begins with *, & or !, which YAML reads as a mark of its own: put "
              "the text in quotes.")
SECOND_DOCUMENT = N_("A second document begins here (a line --- or ...): a flow file is a "
                     "single document, so remove that line.")
CONTROL_CHARACTER = N_("An invisible control character, often pasted from another program: "
                       "delete the text around it and type it again.")
INDENTATION = N_("A line indented differently from the lines around it, or text after a "
                 "closing quote: keys at the same level start in the same column, indented "
                 "with spaces.")
#: The first entry whose words all occur in PyYAML's account (its problem and context).
ADVICE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("quoted scalar", "end of stream"), OPEN_QUOTE),
    (("escape",), UNKNOWN_ESCAPE),
    (("mapping values are not allowed",), COLON_IN_TEXT),
    (("tab character",), TAB_INDENT),
    (("cannot start any token",), CANNOT_BEGIN),
    (("flow sequence",), OPEN_LIST),
    (("flow mapping",), OPEN_MAPPING),
    (("expected ':'",), NO_COLON),
    (("alias",), OWN_MARK), (("anchor",), OWN_MARK), (("tag",), OWN_MARK),
    (("document",), SECOND_DOCUMENT),
    (("control characters",), CONTROL_CHARACTER),
    (("expected key",), INDENTATION), (("block end",), INDENTATION),
    (("block mapping",), INDENTATION), (("block collection",), INDENTATION),
)
#: What to look for when nothing more precise is known.
LOOK_AROUND = N_("Look at this line and the one above it: the indentation (spaces only), "
                 "the colon after each key and the quotes around texts.")


class SyntaxPhrase(Phrase):
    """The line the command prints for a YAML syntax error (``YAML syntax:`` and PyYAML's
    own English account), which also keeps what a coordinator is told instead: :attr:`told`,
    where the reader stopped and what to look for there, our own sentences, said in their
    language above :attr:`detail`, PyYAML's account."""

    told: Phrase
    detail: str


def syntax_phrase(detail: str, line: int, column: int) -> SyntaxPhrase:
    """The phrase for a syntax error PyYAML accounts for as ``detail``, at ``line`` and
    ``column`` (1-based)."""
    made = SyntaxPhrase(YAML_SYNTAX, problem=detail)
    words = detail.lower()
    advice = next((said for needed, said in ADVICE if all(w in words for w in needed)),
                  LOOK_AROUND)
    made.told = Phrase.joined(Phrase(STOPPED_AT, line=line, column=column), " ",
                              Phrase(advice))
    made.detail = detail
    return made


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
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "unreadable YAML"
        if exc.context and exc.context_mark is not None:  # where the unclosed thing began
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
            if mark is not None and mark.index >= len(text):  # past the end: point at the start
                line, column = exc.context_mark.line + 1, exc.context_mark.column + 1
        raise FlowError([Problem(filename, line, "", "",
                                 syntax_phrase(problem, line, column))]) from None
    except yaml.YAMLError as exc:  # the reader's: a character YAML does not take
        position = getattr(exc, "position", None)
        line, column = 1, 1
        if isinstance(position, int) and 0 <= position <= len(text):
            before = text[:position]
            line, column = before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
        raise FlowError([Problem(filename, line, "", "",
                                 syntax_phrase(str(exc), line, column))]) from None
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
