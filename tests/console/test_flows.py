"""The Flows page over a real SQLite database: the published flows and a revision's
diagram; a broken upload lists its problems with file and line and stores nothing; a
national coordinator publishes (and a bot process then serves it to a new intake), rolls
back and withdraws, each audited with their staff id; a hub coordinator, or a form without
its CSRF token, is refused and nothing changes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bot.engine.events import Say
from bot.wiring import Services, build_services
from storage.clock import FixedClock
from storage.flowstore import SqlFlowStore
from storage.models import Conversation, Referral
from tests.console.conftest import ConsoleClient

Client = Callable[..., ConsoleClient]
FLOW = "tiny"
HELLO = "Hello from the console test."

#: A new flow a coordinator writes (English only, so no translation is missing).
TINY = """\
spec_version: 2
id: tiny
title: A short flow
languages: [en]
start: hello
nodes:
  hello:
    type: say
    text: Hello.
    next: way
  way:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options:
      left: Left
      right: Right
    invalid: stop
    next: stop
  stop:
    type: end
    outcome: cancelled
    text: Stopped.
"""


def store_of(services: Services) -> SqlFlowStore:
    return SqlFlowStore(services.storage.context)


def upload(client: ConsoleClient, *files: tuple[str, str | bytes], csrf: bool = True,
           follow: bool = True) -> object:
    data = {"csrf": client.csrf} if csrf else {}
    return client.post("/console/flows/check", data=data, follow_redirects=follow, files=[
        ("files", (name, text.encode() if isinstance(text, str) else text, "text/yaml"))
        for name, text in files])


def published_intake(services: Services) -> str:
    """The intake flow's file as published now, made to open with :data:`HELLO` and to
    speak English only (a new text needs no translation then)."""
    store = store_of(services)
    publication = store.publication()
    assert publication is not None
    stored = next(s for s in publication.current if s.flow_id == "intake")
    text = next(s.text for s in stored.sources if s.file == stored.root)
    start = re.search(r"(?m)^start: (\S+)$", text)
    assert start is not None and "\nnodes:\n" in text
    text = re.sub(r"(?m)^languages: .*$", "languages: [en]", text, count=1)
    text = text.replace(start.group(0), "start: console_hello", 1)
    return text.replace("\nnodes:\n", "\nnodes:\n  console_hello:\n    type: say\n"
                        f"    text: {HELLO}\n    next: {start.group(1)}\n", 1)


def stored_rows(services: Services) -> tuple[int, int]:
    """How many conversations and referrals the database holds."""
    with services.storage.context.reading() as db:
        return (int(db.scalar(select(func.count()).select_from(Conversation)) or 0),
                int(db.scalar(select(func.count()).select_from(Referral)) or 0))


def draft_id(response: object) -> str:
    url = str(response.url)  # type: ignore[attr-defined]
    assert "/console/flows/drafts/" in url, url
    return url.rsplit("/", 1)[1]


def shown(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def test_the_list_shows_each_published_flow_and_who_published_it(
        console_services: Services, console_client: Client) -> None:
    page = console_client().get("/console/flows")
    assert page.status_code == 200
    for flow_id in console_services.engine.library.flows:
        assert f'href="/console/flows/{flow_id}"' in page.text
    assert "first start" in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_a_flow_page_draws_its_diagram_beside_its_outline(console_client: Client) -> None:
    page = console_client().get("/console/flows/intake")
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img"' in page.text
    assert '<title id="diagram-title">Diagram of the flow intake</title>' in page.text
    assert "In words" in page.text and "flow intake revision" in page.text
    assert "/revisions/" in page.text and "Try this revision" in page.text


@pytest.mark.parametrize("address", ["/console/flows/nope", "/console/flows/intake/revisions/99",
                                     "/console/flows/intake/diff?old=1&new=99"])
def test_an_unknown_flow_or_revision_is_not_found(console_client: Client, address: str) -> None:
    assert console_client().get(address).status_code == 404


BROKEN = [
    pytest.param(TINY.replace("next: stop\n  stop:", "next: nowhere\n  stop:"),
                 ["tiny.yaml:20 node 'way' next: unknown node 'nowhere'"],
                 id="an answer leads nowhere"),
    pytest.param(TINY.replace("text: Which way?", 'text: "Which way?'),
                 ["tiny.yaml:15: YAML syntax: found unexpected end of stream (while scanning "
                  "a quoted scalar started at line 15)"], id="an unclosed quote"),
    pytest.param(TINY.replace("languages: [en]", "languages: [en, ar]"),
                 ["tiny.yaml:3 title: Arabic (ar) translation is missing",
                  "tiny.yaml:9 node 'hello' text: Arabic (ar) translation is missing",
                  "tiny.yaml:15 node 'way' text: Arabic (ar) translation is missing",
                  "tiny.yaml:17 node 'way' options.left: Arabic (ar) translation is missing",
                  "tiny.yaml:18 node 'way' options.right: Arabic (ar) translation is missing",
                  "tiny.yaml:24 node 'stop' text: Arabic (ar) translation is missing",
                  ], id="translations are checked as a publish checks them"),
    pytest.param(TINY.replace("kind: choice", "kind: chioce"),
                 ["tiny.yaml:13 node 'way' kind: unknown question kind 'chioce' (expected one "
                  "of: choice, multi, number, text, phone, date, language, hub, partner)"],
                 id="a misspelt question kind"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_upload_lists_its_problems_with_line_numbers_and_stores_nothing(
        console_services: Services, console_client: Client, text: str,
        expected: list[str]) -> None:
    store = store_of(console_services)
    before = (store.version(), store.history())
    page = upload(console_client(), ("tiny.yaml", text))
    assert page.status_code == 422  # type: ignore[attr-defined]
    problems = shown(page).split('<pre class="problem-lines">', 1)[1].split("</pre>", 1)[0]
    assert problems.splitlines() == expected
    assert (store.version(), store.history()) == before


@pytest.mark.parametrize(("files", "status", "message"), [
    pytest.param([("notes.txt", TINY)], 400,
                 "notes.txt is not a flow file: its name must end in .yaml.", id="not yaml"),
    pytest.param([("tiny.yaml", b"\xff\xfe")], 400, "tiny.yaml is not UTF-8 text.",
                 id="not UTF-8"),
    pytest.param([("tiny.yaml", "#" * 300_000)], 413,
                 "The upload is larger than 256 KB, so it was not read.", id="too large"),
])
def test_an_upload_that_cannot_be_read_says_why_and_changes_nothing(
        console_services: Services, console_client: Client,
        files: list[tuple[str, str | bytes]], status: int, message: str) -> None:
    version = store_of(console_services).version()
    page = upload(console_client(), *files)
    assert page.status_code == status  # type: ignore[attr-defined]
    assert f"{message} Nothing was changed." in shown(page)
    assert store_of(console_services).version() == version


def test_a_national_coordinator_publishes_and_a_bot_process_serves_it_to_a_new_intake(
        console_services: Services, console_client: Client) -> None:
    bot = build_services(console_services.settings,  # another process, same database
                         clock=FixedClock(console_services.clock.now()))
    try:
        client = console_client()
        checked = upload(client, ("intake.yaml", published_intake(console_services)))
        assert checked.status_code == 200  # type: ignore[attr-defined]
        assert "No problems found" in checked.text  # type: ignore[attr-defined]
        assert '<button type="submit" class="button primary">Publish</button>' in \
            checked.text  # type: ignore[attr-defined]
        store = store_of(console_services)
        version = store.version()
        done = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                           data={"csrf": client.csrf, "note": "a welcome from the console"})
        assert done.status_code == 200 and done.url.path == "/console/flows"
        assert f"Publication {version + 1} is published." in done.text
        assert store.version() == version + 1
        record = [r for r in store.history() if r.flow_id == "intake"][-1]
        assert (record.published_by, record.note) == (f"staff:{client.staff_id}",
                                                      "a welcome from the console")
        rows = console_services.storage.audit.search(action="flow_publish")
        assert [(r.actor, r.subject) for r in rows] == [(f"staff:{client.staff_id}",
                                                         "flow:intake")]

        bot.engine.library.refresh(force=True)  # the poll every running process makes
        referrer = bot.storage.staff.enrol(6_100_001, "referrer", agency=None,
                                           hub="gaziantep", language="en",
                                           at=bot.clock.now())
        staff = bot.storage.staff.get(referrer)
        turn = bot.intake.start(6_100_001, staff, {})
        said = [e.text for e in turn.events if isinstance(e, Say)]
        assert said[0] == HELLO
        assert turn.session is not None and turn.session.revision == record.revision
    finally:
        bot.storage.close()


def test_a_hub_coordinator_sees_no_publish_button_and_a_forged_publish_is_refused(
        console_services: Services, console_client: Client) -> None:
    client = console_client(hub="gaziantep")
    checked = upload(client, ("tiny.yaml", TINY))
    assert checked.status_code == 200  # type: ignore[attr-defined]
    assert "No problems found" in checked.text  # type: ignore[attr-defined]
    assert "/publish" not in checked.text  # type: ignore[attr-defined]
    assert "Only a national coordinator can publish." in checked.text  # type: ignore[attr-defined]
    store = store_of(console_services)
    before = (store.version(), store.history())
    forged = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                         data={"csrf": client.csrf, "note": "let me"})
    assert forged.status_code == 403
    assert "National coordinators only" in forged.text
    assert (store.version(), store.history()) == before
    assert console_services.storage.audit.search(action="flow_publish") == []


def test_a_post_without_its_csrf_token_is_refused_and_nothing_is_published(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    checked = upload(client, ("tiny.yaml", TINY))
    store = store_of(console_services)
    version = store.version()
    refused = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                          data={"note": "no token"})
    assert refused.status_code == 403
    wrong = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                        data={"note": "wrong token", "csrf": "x" * 43})
    assert wrong.status_code == 403
    assert upload(client, ("tiny.yaml", TINY), csrf=False).status_code == 403  # type: ignore[attr-defined]
    assert store.version() == version
    # With its token the same draft publishes: the refusals were the token's doing.
    done = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                       data={"note": "with token", "csrf": client.csrf})
    assert done.status_code == 200 and store.version() == version + 1


def test_a_draft_is_only_its_coordinators(console_client: Client) -> None:
    owner, other = console_client(), console_client()
    checked = upload(owner, ("tiny.yaml", TINY))
    assert other.get(f"/console/flows/drafts/{draft_id(checked)}").status_code == 404
    refused = other.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                         data={"csrf": other.csrf, "note": "not mine"})
    assert refused.status_code == 404


def _publish_tiny(client: ConsoleClient, text: str = TINY) -> None:
    checked = upload(client, ("tiny.yaml", text))
    done = client.post(f"/console/flows/drafts/{draft_id(checked)}/publish",
                       data={"csrf": client.csrf, "note": "tiny"})
    assert done.status_code == 200, done.text


def test_rollback_and_withdraw_ask_first_then_act_and_are_audited(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    _publish_tiny(client)
    _publish_tiny(client, TINY.replace("Which way?", "Where to?"))
    store = store_of(console_services)

    confirm = client.get(f"/console/flows/{FLOW}/revisions/1/rollback")
    assert confirm.status_code == 200
    assert "Roll tiny back to revision 1?" in confirm.text
    assert [r.revision for r in store.history() if r.flow_id == FLOW] == [1, 2]  # asked only
    done = client.post(f"/console/flows/{FLOW}/revisions/1/rollback",
                       data={"csrf": client.csrf, "note": "r2 confused people"})
    assert done.status_code == 200 and done.url.path == f"/console/flows/{FLOW}"
    assert "is published again as publication" in done.text
    assert console_services.engine.library.current(FLOW).flow.revision == 3
    assert "way: ask choice: Which way?" in done.text  # revision 3 has revision 1's text

    confirm = client.get(f"/console/flows/{FLOW}/revisions/2/withdraw")
    assert "Withdraw revision 2 of tiny?" in confirm.text
    done = client.post(f"/console/flows/{FLOW}/revisions/2/withdraw",
                       data={"csrf": client.csrf, "note": "harmful"})
    assert done.status_code == 200
    assert "The revision is withdrawn; 0 open conversations on it start again" in done.text
    withdrawn = {r.revision: r.withdrawn_by for r in store.history() if r.flow_id == FLOW}
    assert withdrawn == {1: None, 2: f"staff:{client.staff_id}", 3: None}

    refused = client.post(f"/console/flows/{FLOW}/revisions/3/withdraw",
                          data={"csrf": client.csrf, "note": "the current one"})
    assert refused.status_code == 409
    assert "is the current one" in refused.text

    actions = [(r.actor, r.action, r.subject) for r in console_services.storage.audit.search(
        actor=f"staff:{client.staff_id}") if r.action in ("flow_rollback", "flow_withdraw")]
    assert actions == [(f"staff:{client.staff_id}", "flow_rollback", "flow:tiny"),
                       (f"staff:{client.staff_id}", "flow_withdraw", "flow:tiny")]


def test_a_hub_coordinator_can_neither_roll_back_nor_withdraw(
        console_services: Services, console_client: Client) -> None:
    national = console_client()
    _publish_tiny(national)
    _publish_tiny(national, TINY.replace("Which way?", "Where to?"))
    hub = console_client(hub="gaziantep")
    page = hub.get(f"/console/flows/{FLOW}")
    assert "/rollback" not in page.text and "/withdraw" not in page.text
    store = store_of(console_services)
    before = store.history()
    for action in ("rollback", "withdraw"):
        assert hub.get(f"/console/flows/{FLOW}/revisions/1/{action}").status_code == 403
        forged = hub.post(f"/console/flows/{FLOW}/revisions/1/{action}",
                          data={"csrf": hub.csrf, "note": "let me"})
        assert forged.status_code == 403
    assert store.history() == before


def test_the_diff_reads_question_by_question(console_client: Client) -> None:
    client = console_client()
    _publish_tiny(client)
    _publish_tiny(client, TINY.replace("Which way?", "Where to?"))
    page = client.get(f"/console/flows/{FLOW}/diff?old=1&new=2")
    assert page.status_code == 200
    assert '<li class="removed"><span class="visually-hidden">removed: </span>-way: ask ' \
        "choice: Which way?</li>" in page.text
    assert '<li class="added"><span class="visually-hidden">added: </span>+way: ask ' \
        "choice: Where to?</li>" in page.text


def test_the_simulator_tries_a_draft_with_buttons_and_typed_answers_storing_nothing(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    checked = upload(client, ("tiny.yaml", TINY))
    conversations = stored_rows(console_services)
    page = client.post("/console/flows/try", data={
        "csrf": client.csrf, "draft": draft_id(checked), "flow": FLOW})
    assert page.status_code == 200 and "/console/flows/try/" in page.url.path
    assert "Which way?" in page.text
    assert 'name="choice" value="left"' in page.text
    page = client.post(page.url.path, data={"csrf": client.csrf, "choice": "right"})
    assert "The conversation ended: cancelled." in page.text
    assert "Stopped." in page.text
    assert console_services.storage.audit.search(action="flow_try")[0].subject == "flow:tiny"
    assert stored_rows(console_services) == conversations
    other = console_client()
    assert other.get(page.url.path).status_code == 404  # a trial is its coordinator's


def test_the_page_is_in_the_coordinators_language(console_client: Client) -> None:
    page = console_client(language="ar").get("/console/flows")
    assert 'dir="rtl"' in page.text
