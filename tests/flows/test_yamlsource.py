"""A YAML syntax error is one problem at the line where the reader stopped, worded for the
command line as before (``YAML syntax:`` and PyYAML's own English), and it carries our own
sentence for the console: the line and column, and what to look for there, chosen by what
PyYAML says went wrong."""

from __future__ import annotations

import pytest

from bot.flows import yamlsource as ys
from bot.flows.problems import FlowError
from bot.flows.yamlsource import SyntaxPhrase, load_text


def syntax_error(text: str) -> tuple[str, SyntaxPhrase]:
    with pytest.raises(FlowError) as raised:
        load_text(text, "f.yaml")
    [problem] = raised.value.problems
    assert isinstance(problem.message, SyntaxPhrase)
    return str(problem), problem.message


CASES = [
    pytest.param('a: 1\nb: "two\nc: 3\n', "f.yaml:2: YAML syntax: found unexpected end of "
                 "stream (while scanning a quoted scalar started at line 2)", 2, 4,
                 ys.OPEN_QUOTE, id="an unclosed quote, pointed at where it opens"),
    pytest.param('a: "\\q"\n', "f.yaml:1: YAML syntax: found unknown escape character (while "
                 "parsing a quoted scalar started at line 1)", 1, 5, ys.UNKNOWN_ESCAPE,
                 id="an unknown escape"),
    pytest.param("a: b: c\n", "f.yaml:1: YAML syntax: mapping values are not allowed in this "
                 "context", 1, 5, ys.COLON_IN_TEXT, id="a colon inside a text"),
    pytest.param("a:\n\tb: 1\n", "f.yaml:2: YAML syntax: found character that cannot start "
                 "any token (while scanning for the next token started at line 2)", 2, 1,
                 ys.CANNOT_BEGIN, id="a tab where a key begins"),
    pytest.param("a:\n  b: x\n\tc\n", "f.yaml:3: YAML syntax: found a tab character that "
                 "violates indentation (while scanning a plain scalar started at line 2)", 3, 1,
                 ys.TAB_INDENT, id="a tab in the indentation"),
    pytest.param("a: @x\n", "f.yaml:1: YAML syntax: found character that cannot start any "
                 "token (while scanning for the next token started at line 1)", 1, 4,
                 ys.CANNOT_BEGIN, id="an @ beginning a text"),
    pytest.param("a: [x, y\nb: 1\n", "f.yaml:2: YAML syntax: did not find expected ',' or "
                 "']' (while parsing a flow sequence started at line 1)", 2, 2, ys.OPEN_LIST,
                 id="an unclosed list"),
    pytest.param("a: {x: 1\nb: 1\n", "f.yaml:2: YAML syntax: did not find expected ',' or "
                 "'}' (while parsing a flow mapping started at line 1)", 2, 2, ys.OPEN_MAPPING,
                 id="an unclosed mapping"),
    pytest.param("a: 1\nb\nc: 2\n", "f.yaml:3: YAML syntax: could not find expected ':' "
                 "(while scanning a simple key started at line 2)", 3, 1, ys.NO_COLON,
                 id="a key without its colon"),
    pytest.param("a: *x\n", "f.yaml:1: YAML syntax: found undefined alias", 1, 4, ys.OWN_MARK,
                 id="a star beginning a text"),
    pytest.param("a: &\n", "f.yaml:1: YAML syntax: did not find expected alphabetic or "
                 "numeric character (while scanning an anchor started at line 1)", 1, 5,
                 ys.OWN_MARK, id="an ampersand beginning a text"),
    pytest.param("a: !x y\n", "f.yaml:1: YAML syntax: could not determine a constructor for "
                 "the tag '!x'", 1, 4, ys.OWN_MARK, id="an exclamation mark beginning a text"),
    pytest.param("a: 1\n---\nb: 2\n", "f.yaml:2: YAML syntax: but found another document "
                 "(expected a single document in the stream started at line 1)", 2, 1,
                 ys.SECOND_DOCUMENT, id="a second document"),
    pytest.param("a: 1\nb: x\x07\n", "f.yaml:2: YAML syntax: unacceptable character #x0007: "
                 "control characters are not allowed\n  in \"<unicode string>\", position 9",
                 2, 5, ys.CONTROL_CHARACTER, id="a control character, found by its position"),
    pytest.param("a:\n  b: 1\n c: 2\n", "f.yaml:3: YAML syntax: did not find expected key "
                 "(while parsing a block mapping started at line 1)", 3, 2, ys.INDENTATION,
                 id="a key out of line"),
    pytest.param('a: "x" y\n', "f.yaml:1: YAML syntax: did not find expected key (while "
                 "parsing a block mapping started at line 1)", 1, 8, ys.INDENTATION,
                 id="text after a closing quote"),
    pytest.param("a: |x\n  y\n", "f.yaml:1: YAML syntax: did not find expected comment or "
                 "line break (while scanning a block scalar started at line 1)", 1, 5,
                 ys.LOOK_AROUND, id="anything else: look around"),
]


@pytest.mark.parametrize(("text", "printed", "line", "column", "advice"), CASES)
def test_a_syntax_error_is_printed_as_before_and_told_where_and_what_to_look_for(
        text: str, printed: str, line: int, column: int, advice: str) -> None:
    line_printed, message = syntax_error(text)
    assert line_printed == printed
    assert message.detail == printed.split("YAML syntax: ", 1)[1]
    stopped, space, said = message.told.pieces
    assert (stopped, space, said) == (
        f"The YAML cannot be read at line {line}, column {column}.", " ", advice)
    assert (stopped.msgid, stopped.params) == (ys.STOPPED_AT, {"line": line, "column": column})
    assert said.msgid == advice  # type: ignore[attr-defined]


def test_every_piece_of_advice_is_given_by_some_case_above() -> None:
    given = {case.values[-1] for case in CASES}
    assert given == {said for _, said in ys.ADVICE} | {ys.LOOK_AROUND}
