"""A coordinator reading the console in another language sees the flow checker's problems
in that language in the Problem column (unknown node, a field of the wrong type, a bad
condition, a missing translation; a YAML syntax error as our own sentence, where to look and
what for, above the YAML reader's own English words), while the lines as intake flows check
prints them stay in English, as the command line prints them; a rollback or withdrawal the
publishing service refuses (an unknown revision, the current one, a publication number
another coordinator took meanwhile), the simulator's refusals (no such flow to try, a
command it does not take) and a stored revision that no longer compiles, tried or shown, say
why in that language too."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from bot.flows.library import Source
from bot.service.publishing import NewRevision
from bot.wiring import Services
from storage.flowstore import SqlFlowStore
from tests.console.conftest import ConsoleClient
from tests.console.test_flows import TINY, draft_id, store_of, upload

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


# -- a YAML syntax error -------------------------------------------------------------------

COLON_IN_TEXT = TINY.replace("text: Which way?", "text: Which way: left?")
TAB = TINY.replace("    next: stop\n  stop:", "\tnext: stop\n  stop:")
OPEN_LIST = TINY.replace("languages: [en]", "languages: [en")
MISALIGNED = TINY.replace("    collects: routing", "   collects: routing")


def cell_text(cell: str) -> str:
    """A table cell as it reads: its tags gone, its white space single."""
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


@pytest.mark.parametrize(("text", "lang", "line", "told", "detail"), [
    pytest.param(UNCLOSED, "en", 15, "The YAML cannot be read at line 15, column 11. A quotation "
                 "mark (\" or ') opens a text that is never closed: close it with the same "
                 "mark. The YAML reader says:", UNCLOSED_YAML, id="en an unclosed quote"),
    pytest.param(UNCLOSED, "fr", 15, "Le YAML ne peut pas être lu à la ligne 15, colonne 11. Un "
                 "guillemet (\" ou ') ouvre un texte qui n'est jamais fermé : fermez-le avec le "
                 "même signe. Le lecteur YAML indique :", UNCLOSED_YAML,
                 id="fr an unclosed quote"),
    pytest.param(COLON_IN_TEXT, "tr", 15, "YAML 15. satırın 20. sütununda okunamıyor. Bir metnin "
                 "içinde ardından boşluk gelen iki nokta üst üste ya da üstündeki anahtardan "
                 "daha içeride başlayan bir satır: metni tırnak içine alın ya da anahtarı "
                 "diğerleriyle aynı hizaya getirin. YAML okuyucusu şunu söylüyor:",
                 "mapping values are not allowed in this context", id="tr a colon in a text"),
    pytest.param(TAB, "ku", 20, "YAML li rêza 20, stûna 1 nayê xwendin. Tabek di valahiya destpêka "
                 "rêzê de: YAML tenê bi valahiyan rêzan dide hundir, ji ber vê yekê li şûna "
                 "tabê valahiyan deyne. Xwendevanê YAML dibêje:", "found a tab character that "
                 "violates indentation (while scanning a plain scalar started at line 19)",
                 id="ku a tab"),
    pytest.param(OPEN_LIST, "ar", 5, f"تتعذّر قراءة YAML في السطر {FSI}5{PDI}، العمود "
                 f"{FSI}6{PDI}. قائمة فُتحت بـ [ ولم تُغلق بـ ]، أو عناصرها غير مفصولة "
                 "بفواصل. يقول قارئ YAML:", "did not find expected ',' or ']' (while parsing a "
                 "flow sequence started at line 4)", id="ar an unclosed list, numbers isolated"),
    pytest.param(MISALIGNED, "tr", 14, "YAML 14. satırın 4. sütununda okunamıyor. Çevresindeki "
                 "satırlardan farklı girintili bir satır ya da kapanan tırnaktan sonra gelen "
                 "metin: aynı düzeydeki anahtarlar aynı sütunda başlar ve boşlukla girintilenir. "
                 "YAML okuyucusu şunu söylüyor:", "did not find expected key (while parsing a "
                 "block mapping started at line 7)", id="tr a key out of line"),
])
def test_a_yaml_syntax_error_says_where_and_what_to_look_for_above_the_readers_words(
        console_client: Client, text: str, lang: str, line: int, told: str,
        detail: str) -> None:
    page = upload(console_client(language=lang), ("tiny.yaml", text))
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert [cell_text(cell) for cell in problem_cells(page)] == [f"{told} {detail}"]
    assert f'<span lang="en" dir="ltr">{detail}</span>' in shown(page)
    english = [f"tiny.yaml:{line}: YAML syntax: {detail}"]  # as the command says it
    assert printed_lines(page) == english


# -- a publication another coordinator made meanwhile --------------------------------------

def lose_the_race(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every publish or withdrawal find its publication number taken by a rival
    coordinator's publication stored just before it; the numbers taken."""
    taken: list[int] = []
    record, withdraw = SqlFlowStore.record, SqlFlowStore.withdraw

    def rival(store: SqlFlowStore, number: int, at: datetime) -> None:
        latest = store.publication()
        assert latest is not None
        record(store, number, at, "staff:rival", "the rival's",
               {s.flow_id: s.revision for s in latest.current}, [])
        taken.append(number)

    def late_record(store: SqlFlowStore, number: int, at: datetime, by: str, note: str,
                    current: dict[str, int], revisions: list[NewRevision]) -> None:
        rival(store, number, at)
        record(store, number, at, by, note, current, revisions)

    def late_withdraw(store: SqlFlowStore, flow_id: str, revision: int, number: int,
                      at: datetime, *rest: Any) -> None:
        rival(store, number, at)
        withdraw(store, flow_id, revision, number, at, *rest)

    monkeypatch.setattr(SqlFlowStore, "record", late_record)
    monkeypatch.setattr(SqlFlowStore, "withdraw", late_withdraw)
    return taken


@pytest.mark.parametrize(("lang", "action", "reason"), [
    pytest.param("en", "rollback", "publication {n} was made by someone else meanwhile; "
                 "nothing was stored, try again", id="en rollback"),
    pytest.param("tr", "rollback", "{n} numaralı yayını bu arada başka biri yaptı; hiçbir "
                 "şey kaydedilmedi, yeniden deneyin", id="tr rollback"),
    pytest.param("fr", "withdraw", "la publication {n} a été faite par quelqu'un d'autre "
                 "entre-temps ; rien n'a été enregistré, réessayez", id="fr withdrawal"),
    pytest.param("ku", "withdraw", "weşana {n} di vê navberê de ji aliyê kesekî din ve hat "
                 "kirin; tiştek nehat tomarkirin, dîsa biceribîne", id="ku withdrawal"),
    pytest.param("ar", "rollback", "أجرى شخص آخر النشر رقم {FSI}{n}{PDI} في هذه الأثناء؛ لم "
                 "يُحفظ شيء، حاول مرة أخرى", id="ar rollback, the number isolated"),
])
def test_a_rollback_or_withdrawal_that_lost_the_race_says_so_in_the_readers_language(
        console_services: Services, console_client: Client,
        monkeypatch: pytest.MonkeyPatch, lang: str, action: str, reason: str) -> None:
    client = console_client(language=lang)
    publish(client)
    publish_again = upload(client, ("tiny.yaml", TINY.replace("Which way?", "Where to?")))
    client.post(f"/console/flows/drafts/{draft_id(publish_again)}/publish",
                data={"csrf": client.csrf, "note": "tiny 2"})
    store = store_of(console_services)
    before = [r for r in store.history() if r.flow_id == "tiny"]
    taken = lose_the_race(monkeypatch)
    refused = client.post(f"/console/flows/tiny/revisions/1/{action}",
                          data={"csrf": client.csrf, "note": "too late"})
    assert refused.status_code == 409
    assert taken == [store.version()]
    assert reason.format(n=taken[0], FSI=FSI, PDI=PDI) in shown(refused)
    assert [r for r in store.history() if r.flow_id == "tiny"] == before  # nothing stored
    assert console_services.storage.audit.search(action=f"flow_{action}") == []


def test_a_publish_that_lost_the_race_says_so_in_the_readers_language(
        console_services: Services, console_client: Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = console_client(language="ku")
    checked = upload(client, ("tiny.yaml", TINY))
    taken = lose_the_race(monkeypatch)
    refused = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                          data={"csrf": client.csrf, "note": "too late"})
    assert refused.status_code == 409
    assert "Kesekî di heman kêliyê de weşand, ji ber vê yekê tiştek nehat weşandin. Dîsa " \
        "biweşînin." in shown(refused)
    assert taken == [store_of(console_services).version()]
    assert [r for r in store_of(console_services).history() if r.flow_id == "tiny"] == []


# -- the simulator's refusals --------------------------------------------------------------

@pytest.mark.parametrize(("lang", "reason"), [
    pytest.param("en", "there is no flow 'nope' to try here (there are: {known})", id="en"),
    pytest.param("tr", "burada denenecek 'nope' adlı bir akış yok (olanlar: {known})",
                 id="tr"),
    pytest.param("fr", "il n'y a pas ici de parcours 'nope' à essayer (il y a : {known})",
                 id="fr"),
    pytest.param("ku", "li vir rêrêzeke 'nope' ji bo ceribandinê tune ye (yên heyî: {known})",
                 id="ku"),
    pytest.param("ar", "لا يوجد هنا مسار '{FSI}nope{PDI}' لتجربته (المسارات الموجودة: "
                 "{FSI}{known}{PDI})", id="ar, the names isolated"),
])
def test_trying_a_flow_the_draft_does_not_have_says_so_in_the_readers_language(
        console_services: Services, console_client: Client, lang: str, reason: str) -> None:
    client = console_client(language=lang)
    checked = upload(client, ("tiny.yaml", TINY))
    refused = client.post("/console/flows/try", data={
        "csrf": client.csrf, "draft": draft_id(checked), "flow": "nope"})
    assert refused.status_code == 404
    known = ", ".join(sorted({*console_services.engine.library.flows, "tiny"}))
    assert reason.format(known=known, FSI=FSI, PDI=PDI) in shown(refused)
    assert console_services.storage.audit.search(action="flow_try") == []


@pytest.mark.parametrize(("lang", "reason"), [
    pytest.param("en", "the simulator has no command 'forget' (it has: {known})", id="en"),
    pytest.param("tr", "simülatörde 'forget' diye bir komut yok (olanlar: {known})",
                 id="tr"),
    pytest.param("fr", "le simulateur n'a pas de commande 'forget' (il a : {known})",
                 id="fr"),
    pytest.param("ku", "fermana 'forget' di simulatorê de tune ye (yên heyî: {known})",
                 id="ku"),
    pytest.param("ar", "ليس في المحاكي أمر '{FSI}forget{PDI}' (أوامره: {FSI}{known}{PDI})",
                 id="ar, the names isolated"),
])
def test_a_command_the_simulator_does_not_take_is_refused_in_the_readers_language(
        console_client: Client, lang: str, reason: str) -> None:
    client = console_client(language=lang)
    checked = upload(client, ("tiny.yaml", TINY))
    trial = client.post("/console/flows/try", data={
        "csrf": client.csrf, "draft": draft_id(checked), "flow": "tiny"})
    address = trial.url.path
    refused = client.post(address, data={"csrf": client.csrf, "command": "forget"})
    assert refused.status_code == 400
    known = "back, restart, cancel, language, urgent"
    said = reason.format(known=known, FSI=FSI, PDI=PDI)
    assert f'<p class="message error" role="alert">{said}</p>' in shown(refused)
    assert shown(refused).count("Which way?") == 1  # the question still waits, unanswered
    going_on = client.post(address, data={"csrf": client.csrf, "choice": "right"})
    assert "Stopped." in going_on.text  # the trial goes on as it was


# -- a stored revision that no longer compiles ---------------------------------------------

def publish_uncompilable_tiny(services: Services) -> None:
    """Publish revision 1 of tiny as text this checker refuses (as when a later checker is
    stricter than the one that took it)."""
    store = store_of(services)
    latest = store.publication()
    assert latest is not None
    text = TINY.replace("kind: choice", "kind: chioce")
    store.record(store.version() + 1, services.clock.now(), "staff:0", "long ago",
                 {**{s.flow_id: s.revision for s in latest.current}, "tiny": 1},
                 [NewRevision("tiny", 1, "0" * 64, "tiny.yaml", (Source("tiny.yaml", text),))])


@pytest.mark.parametrize(("lang", "revision", "reason"), [
    pytest.param("en", "1", "tiny r1: the stored text no longer compiles", id="en"),
    pytest.param("en", "", "tiny: the stored text of the current revision no longer compiles",
                 id="en, the current revision"),
    pytest.param("tr", "1", "tiny r1: kayıtlı metin artık derlenemiyor", id="tr"),
    pytest.param("fr", "", "tiny : le texte enregistré de la révision en cours ne se compile "
                 "plus", id="fr, the current revision"),
    pytest.param("ku", "", "tiny: nivîsa tomarkirî ya guhertoya niha êdî wek rêrêzeke "
                 "derbasdar nayê xwendin", id="ku, the current revision"),
    pytest.param("ar", "", f"{FSI}tiny{PDI}: لم يعد النص المحفوظ للنسخة الحالية يُقرأ مسارًا "
                 "صالحًا", id="ar, the current revision, the name isolated"),
])
def test_trying_or_showing_a_revision_that_no_longer_compiles_says_so_in_the_readers_language(
        console_services: Services, console_client: Client, lang: str, revision: str,
        reason: str) -> None:
    publish_uncompilable_tiny(console_services)
    client = console_client(language=lang)
    tried = client.post("/console/flows/try", data={
        "csrf": client.csrf, "flow": "tiny", "revision": revision})
    assert tried.status_code == 404
    assert f"<p>{reason}</p>" in shown(tried)
    page = client.get("/console/flows/tiny" + (f"/revisions/{revision}" if revision else ""))
    assert page.status_code == 404
    assert f"<p>{reason}</p>" in shown(page)
    assert console_services.storage.audit.search(action="flow_try") == []
