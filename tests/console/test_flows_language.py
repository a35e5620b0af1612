"""A coordinator reading the console in another language sees the flow checker's problems
in that language in the Problem column (unknown node, a field of the wrong type, a YAML
syntax error, a bad condition, a missing translation), while the lines as intake flows check
prints them stay in English, as the command line prints them."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest

from tests.console.conftest import ConsoleClient
from tests.console.test_flows import TINY, upload

Client = Callable[..., ConsoleClient]
FSI, PDI = "\u2068", "\u2069"

UNKNOWN_NODE = TINY.replace("next: stop\n  stop:", "next: nowhere\n  stop:")
NOT_A_TEXT = TINY.replace("text: Which way?", "text: [Which, way]")
UNCLOSED = TINY.replace("text: Which way?", 'text: "Which way?')
BAD_CONDITION = TINY.replace("    invalid: stop\n",
                             "    invalid: stop\n    relevant: {answer: way}\n")
UNTRANSLATED = TINY.replace("languages: [en]", "languages: [en, ar]")
UNCLOSED_YAML = ("found unexpected end of stream (while scanning a quoted scalar started at "
                 "line 15)")


def problem_cells(page: object) -> list[str]:
    """The Problem column of the table, one cell per problem."""
    table = html.unescape(page.text).split('<table class="problems">', 1)[1]  # type: ignore[attr-defined]
    rows = table.split("</table>", 1)[0].split("<tr>")[2:]
    return [row.rsplit("<td>", 1)[1].split("</td>", 1)[0] for row in rows]


def printed_lines(page: object) -> list[str]:
    shown = html.unescape(page.text)  # type: ignore[attr-defined]
    return shown.split('<pre class="problem-lines">', 1)[1].split("</pre>", 1)[0].splitlines()


@pytest.mark.parametrize(("text", "lang", "problem"), [
    pytest.param(UNKNOWN_NODE, "en", "unknown node 'nowhere'", id="en unknown node"),
    pytest.param(UNKNOWN_NODE, "tr", "bilinmeyen düğüm 'nowhere'", id="tr unknown node"),
    pytest.param(UNKNOWN_NODE, "fr", "nœud inconnu 'nowhere'", id="fr unknown node"),
    pytest.param(UNKNOWN_NODE, "ku", "girêka nenas 'nowhere'", id="ku unknown node"),
    pytest.param(UNKNOWN_NODE, "ar", f"العقدة '{FSI}nowhere{PDI}' غير معروفة",
                 id="ar unknown node"),
    pytest.param(NOT_A_TEXT, "tr", "bir metin olmalı", id="tr the kind of value wanted"),
    pytest.param(NOT_A_TEXT, "ar", f"يجب أن يكون {FSI}نصًا{PDI}",
                 id="ar the kind of value wanted, said and isolated"),
    pytest.param(UNCLOSED, "fr", f"erreur de syntaxe YAML : {UNCLOSED_YAML}",
                 id="fr a YAML syntax error, PyYAML's words kept"),
    pytest.param(BAD_CONDITION, "ku", "tam yek operatorê ji van bi kar bîne: is, is_not, in, "
                 "includes, includes_any, answered, lt, lte, gt, gte (hat dîtin: none)",
                 id="ku a condition without an operator"),
    pytest.param(UNTRANSLATED, "tr", "Arabic (ar) çevirisi eksik",
                 id="tr a missing translation"),
])
def test_a_flow_problem_is_shown_in_the_readers_language_and_printed_in_english(
        console_client: Client, text: str, lang: str, problem: str) -> None:
    page = upload(console_client(language=lang), ("tiny.yaml", text))
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert problem in problem_cells(page)
    english = printed_lines(upload(console_client(), ("tiny.yaml", text)))
    assert printed_lines(page) == english
