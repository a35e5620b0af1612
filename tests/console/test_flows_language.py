"""A coordinator reading the console in another language sees the flow checker's problems
in that language in the Problem column (unknown node, a field of the wrong type, a YAML
syntax error, a bad condition, a missing translation), while the lines as intake flows check
prints them stay in English, as the command line prints them; a rollback or withdrawal the
publishing service refuses (an unknown revision, the current one) says why in that language
too."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest

from tests.console.conftest import ConsoleClient
from tests.console.test_flows import TINY, draft_id, upload

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


def publish(client: ConsoleClient) -> None:
    checked = upload(client, ("tiny.yaml", TINY))
    done = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                       data={"csrf": client.csrf, "note": "tiny"})
    assert done.status_code == 200, done.text


def shown(page: object) -> str:
    return html.unescape(page.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("lang", "action", "revision", "status", "reason"), [
    pytest.param("en", "rollback", 9, 404, "flow 'tiny' has no revision 9 (known: 1)",
                 id="en rollback to an unknown revision"),
    pytest.param("tr", "rollback", 9, 404, "'tiny' akışının 9. sürümü yok (bilinenler: 1)",
                 id="tr rollback to an unknown revision"),
    pytest.param("ar", "rollback", 9, 404,
                 f"ليس للمسار '{FSI}tiny{PDI}' نسخة {FSI}9{PDI} (النسخ المعروفة: {FSI}1{PDI})",
                 id="ar rollback to an unknown revision, the values isolated"),
    pytest.param("fr", "withdraw", 1, 409, "la révision 1 de 'tiny' est la révision en cours : "
                 "publiez d'abord une correction ou rétablissez une révision antérieure, puis "
                 "retirez-la", id="fr withdrawing the current revision"),
    pytest.param("ku", "rollback", 1, 409, "guhertoya 1 ya 'tiny' jixwe guhertoya niha ye",
                 id="ku rolling back to the current revision"),
])
def test_a_refused_rollback_or_withdrawal_says_why_in_the_readers_language(
        console_client: Client, lang: str, action: str, revision: int, status: int,
        reason: str) -> None:
    client = console_client(language=lang)
    publish(client)
    refused = client.post(f"/console/flows/tiny/revisions/{revision}/{action}",
                          data={"csrf": client.csrf, "note": ""})
    assert refused.status_code == status
    assert reason in shown(refused)
