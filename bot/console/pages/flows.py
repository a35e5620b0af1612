"""Flows (``/console/flows``): the published flows and their revisions, each revision's
diagram and outline, the readable difference between two revisions; upload flow files to
see the checker's problems (file and line) or try them in the simulator, then publish them
with a note; roll back to an old revision or withdraw a harmful one.

Reading, checking and trying are open to every coordinator; publishing, rolling back and
withdrawing to national coordinators only (a hub coordinator sees no such button, and a
forged POST is refused with 403 before anything runs). Changes go through
:class:`bot.service.flowdesk.FlowDesk` (the checks of ``intake flows publish``, translations
included), uploads through :mod:`bot.service.drafts` and trials through
:mod:`bot.service.simulator`: nothing uploaded or tried is stored in the database, only what
is published. Every action is audited with the coordinator's staff id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, audit_action, console_page, current_user, services_of
from bot.console.render import language_of, refusal, render
from bot.flows.model import Flow
from bot.flows.problems import FlowError
from bot.flows.svg import Diagram, draw
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_, is_rtl
from bot.service.drafts import MAX_UPLOAD_BYTES, Draft, DraftShelf, UploadRefused, check_upload
from bot.service.flowdesk import FlowDesk
from bot.service.publishing import PublishConflict, Refused, UnknownRevision
from bot.service.simulator import Simulator, Trial, UnknownCommand, UnknownTrial
from bot.wiring import Services, flow_checks
from storage.flowstore import SqlFlowStore

#: Room for the form's other fields and the multipart framing around the files.
FORM_SLACK = 16 * 1024
#: The longest publication note kept.
NOTE_LENGTH = 300
WHEN = "%Y-%m-%d %H:%M UTC"

#: The facts of a referral or risk rating the simulator shows, worded.
FACT_WORDS = {
    "case_type": N_("Case type"), "hub": N_("Hub"), "risk": N_("Risk"),
    "due_hours": N_("Due in (hours)"), "urgent": N_("Urgent"), "consent": N_("Consent"),
    "services": N_("Services"), "partner": N_("Partner agency"),
    "computed": N_("Computed level"), "level": N_("Level"), "reason": N_("Reason"),
}
UPLOAD_TOO_LARGE = N_("The upload is larger than %(size)s KB, so it was not read.")
NOT_FOUND = N_("There is no such flow or revision.")
NO_LONGER_COMPILES = N_("%(flow)s r%(revision)s: the stored text no longer compiles")
CURRENT_NO_LONGER_COMPILES = N_("%(flow)s: the stored text of the current revision no longer "
                                "compiles")
CHOOSE_TWO = N_("choose two revisions to compare")


# -- what the page uses -----------------------------------------------------------------

def _reason(error: Exception) -> str:
    """Why ``error`` refused the request: its phrase (the page says it in the reader's
    language; ``str(error)`` would keep only the English), else its text."""
    return next((arg for arg in error.args if isinstance(arg, Phrase)), str(error))


def _uncompiled(flow_id: str, revision: int | None) -> Phrase:
    """Why a stored revision (``None``: the current one) can be neither shown nor tried."""
    if revision is None:
        return Phrase(CURRENT_NO_LONGER_COMPILES, flow=flow_id)
    return Phrase(NO_LONGER_COMPILES, flow=flow_id, revision=revision)


def _desk(services: Services, request: Request | None = None) -> FlowDesk:
    """The flow desk; with the request, the revisions already read in this process are
    kept on the app between requests."""
    cache = None
    if request is not None:
        state = request.app.state
        cache = getattr(state, "flow_revisions", None)
        if cache is None:
            cache = state.flow_revisions = {}
    return FlowDesk(SqlFlowStore(services.storage.context), services.clock,
                    flow_checks(services.settings, services.storage), cache)


def _drafts(request: Request) -> DraftShelf:
    """The drafts checked in this console process (kept on the app, in memory only)."""
    state = request.app.state
    shelf: DraftShelf | None = getattr(state, "flow_drafts", None)
    if shelf is None:
        shelf = state.flow_drafts = DraftShelf(services_of(request).clock)
    return shelf


def _simulator(request: Request) -> Simulator:
    state = request.app.state
    simulator: Simulator | None = getattr(state, "flow_simulator", None)
    if simulator is None:
        services = services_of(request)
        simulator = state.flow_simulator = Simulator(
            services.texts, services.directory, services.directory.hub_choices,
            services.engine.partners, services.clock)
    return simulator


def _words(services: Services, lang: str) -> Callable[[str], str]:
    return lambda message: services.texts.gettext(lang, message)


def _diagram(services: Services, flow: Flow, lang: str, key: str = "") -> Diagram:
    """The flow drawn with its texts in ``lang`` when the flow has that language; ``key``
    starts its ids (several diagrams on one page)."""
    texts = services.texts
    shown = lang if lang in flow.languages else flow.languages[0]
    return draw(flow, lambda text: texts.flow(text, shown), _words(services, lang),
                link=lambda fid: f"/console/flows/{fid}", rtl=is_rtl(shown), key=key)


def _title(services: Services, flow: Flow | None, lang: str, fallback: str = "") -> str:
    """A flow's title in ``lang`` when the flow speaks it, else as written."""
    if flow is None:
        return fallback
    return services.texts.flow(flow.title, lang) if lang in flow.languages \
        else flow.title.msgid


def _subject(flow_id: str) -> str:
    return f"flow:{flow_id[:31]}"


def _note(form: Any) -> str:
    return " ".join(str(form.get("note", "")).split())[:NOTE_LENGTH]


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 9 else None


def _done(value: str) -> tuple[str, int | None]:
    """What the page just did, from the address a change redirects to (``published-7``)."""
    kind, _, number = value.rpartition("-")
    if kind in ("published", "rolled-back", "withdrawn") and number.isdigit():
        return kind, int(number)
    return (value, None) if value == "unchanged" else ("", None)


def _when(value: Any) -> str:
    return value.strftime(WHEN) if hasattr(value, "strftime") else "-"


# -- the list ---------------------------------------------------------------------------

@console_page()
async def flow_list(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    desk = _desk(services)
    running = services.engine.library.flows
    rows = await run_in_threadpool(desk.rows, running)
    version = await run_in_threadpool(desk.version)
    lang = language_of(request, user)
    titles = {row.flow_id: _title(services, running.get(row.flow_id), lang, row.title)
              for row in rows}
    return render(request, user, "flows.html", {
        "rows": rows, "titles": titles, "version": version, "when": _when,
        "done": _done(request.query_params.get("done", "")),
        "max_kb": MAX_UPLOAD_BYTES // 1024})


# -- one flow, one revision, a diff -----------------------------------------------------

async def _flow_page(request: Request, user: ConsoleUser, flow_id: str,
                     revision: int | None) -> Response:
    services = services_of(request)
    desk = _desk(services, request)
    lang = language_of(request, user)
    try:
        view = await run_in_threadpool(desk.revision, flow_id, revision)
        history = await run_in_threadpool(desk.history, flow_id)
    except UnknownRevision as error:
        return render(request, user, "flows_missing.html", {"reason": _reason(error)},
                      status=404)
    except FlowError:
        return render(request, user, "flows_missing.html",
                      {"reason": _uncompiled(flow_id, revision)}, status=404)
    diagram = _diagram(services, view.flow, lang)
    return render(request, user, "flows_flow.html", {
        "flow_id": flow_id, "view": view, "history": history, "when": _when,
        "title": _title(services, view.flow, lang),
        "diagram": Markup(diagram.svg), "steps": diagram.steps, "key": "",
        "done": _done(request.query_params.get("done", "")),
        "hubs": [(h.id, h.name(lang)) for h in services.engine.hubs]})


@console_page()
async def flow_current(request: Request, user: ConsoleUser) -> Response:
    return await _flow_page(request, user, request.path_params["flow_id"], None)


@console_page()
async def flow_revision(request: Request, user: ConsoleUser) -> Response:
    revision = _number(request.path_params["revision"])
    if revision is None:
        return render(request, user, "flows_missing.html", {"reason": ""}, status=404)
    return await _flow_page(request, user, request.path_params["flow_id"], revision)


@console_page()
async def flow_diff(request: Request, user: ConsoleUser) -> Response:
    flow_id = request.path_params["flow_id"]
    old = _number(request.query_params.get("old"))
    new = _number(request.query_params.get("new"))
    desk = _desk(services_of(request), request)
    try:
        history = await run_in_threadpool(desk.history, flow_id)
        if old is None or new is None:
            raise UnknownRevision(Phrase(CHOOSE_TWO))
        lines = await run_in_threadpool(desk.diff, flow_id, old, new)
    except UnknownRevision as error:
        return render(request, user, "flows_missing.html", {"reason": _reason(error)},
                      status=404)
    except FlowError:
        return render(request, user, "flows_missing.html", {"reason": ""}, status=404)
    return render(request, user, "flows_diff.html", {
        "flow_id": flow_id, "old": old, "new": new, "lines": lines,
        "revisions": [row.record.revision for row in history]})


# -- upload, check, publish -------------------------------------------------------------

async def _files(form: Any) -> list[tuple[str, bytes]]:
    files = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile):
            data = await item.read(MAX_UPLOAD_BYTES + 1)
            files.append((item.filename or "", data))
    return files


async def _too_large(request: Request) -> Response | None:
    """Refuse an upload by its declared size before its body is read (or when it declares
    none), so a huge file is never parsed."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) <= MAX_UPLOAD_BYTES + FORM_SLACK:
        return None
    user = await current_user(request)
    if user is None:
        return refusal(request, None, "signin", status=401)
    return render(request, user, "flows_check.html", {
        "refused": UPLOAD_TOO_LARGE, "params": {"size": MAX_UPLOAD_BYTES // 1024},
        "problems": [], "draft": None, "max_kb": MAX_UPLOAD_BYTES // 1024}, status=413)


@console_page()
async def _check(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    form = await request.form()
    files = await _files(form)
    desk = _desk(services)
    context: dict[str, Any] = {"problems": [], "draft": None, "refused": None, "params": {},
                               "max_kb": MAX_UPLOAD_BYTES // 1024,
                               "files": [name for name, _ in files]}
    try:
        checked = await run_in_threadpool(check_upload, files, desk.publisher, desk.extra,
                                          user.staff_id, services.clock)
    except UploadRefused as error:
        audit_action(request, user, "flow_check_refused")
        context.update(refused=error.message, params=error.params)
        return render(request, user, "flows_check.html", context, status=400)
    audit_action(request, user, "flow_check")
    if checked.draft is None:
        context["problems"] = checked.problems
        return render(request, user, "flows_check.html", context, status=422)
    _drafts(request).keep(checked.draft)
    return RedirectResponse(f"/console/flows/drafts/{checked.draft.id}", status_code=303)


async def check(request: Request) -> Response:
    refused = await _too_large(request)
    if refused is not None:
        return refused
    return await _check(request)


def _draft_context(request: Request, user: ConsoleUser, draft: Draft) -> dict[str, Any]:
    services = services_of(request)
    lang = language_of(request, user)
    diagrams = []
    for flow_id in draft.uploaded:
        key = f"{flow_id}-"
        diagram = _diagram(services, draft.flows[flow_id], lang, key)
        diagrams.append((flow_id, key, _title(services, draft.flows[flow_id], lang),
                         draft.flows[flow_id], Markup(diagram.svg), diagram.steps))
    return {"draft": draft, "diagrams": diagrams, "problems": [], "refused": None,
            "params": {}, "max_kb": MAX_UPLOAD_BYTES // 1024,
            "hubs": [(h.id, h.name(lang)) for h in services.engine.hubs]}


@console_page()
async def draft_page(request: Request, user: ConsoleUser) -> Response:
    draft = _drafts(request).get(request.path_params["draft_id"], user.staff_id)
    if draft is None:
        return render(request, user, "flows_missing.html", {"reason": "", "draft": True},
                      status=404)
    return render(request, user, "flows_check.html", _draft_context(request, user, draft))


@console_page(national_only=True)
async def draft_publish(request: Request, user: ConsoleUser) -> Response:
    shelf = _drafts(request)
    draft = shelf.get(request.path_params["draft_id"], user.staff_id)
    if draft is None:
        return render(request, user, "flows_missing.html", {"reason": "", "draft": True},
                      status=404)
    services = services_of(request)
    note = _note(await request.form())
    try:
        done = await run_in_threadpool(_desk(services).publish, draft, user.actor, note)
    except FlowError as error:  # what is published changed since the check
        context = _draft_context(request, user, draft)
        context.update(problems=error.problems, draft=None)
        return render(request, user, "flows_check.html", context, status=409)
    except PublishConflict:
        context = _draft_context(request, user, draft)
        context["conflict"] = True
        return render(request, user, "flows_check.html", context, status=409)
    shelf.drop(draft.id)
    if done.number is None:
        return RedirectResponse("/console/flows?done=unchanged", status_code=303)
    for flow_id, _revision in done.changed:
        audit_action(request, user, "flow_publish", subject=_subject(flow_id))
    await run_in_threadpool(services.engine.library.refresh, True)
    return RedirectResponse(f"/console/flows?done=published-{done.number}", status_code=303)


# -- rollback and withdraw ----------------------------------------------------------------

ACTIONS = ("rollback", "withdraw")


@console_page(national_only=True)
async def confirm(request: Request, user: ConsoleUser) -> Response:
    """The confirmation step (a GET): what will happen, and the button that does it."""
    flow_id, action = request.path_params["flow_id"], request.path_params["action"]
    revision = _number(request.path_params["revision"])
    desk = _desk(services_of(request))
    if action not in ACTIONS or revision is None:
        return render(request, user, "flows_missing.html", {"reason": ""}, status=404)
    try:
        history = await run_in_threadpool(desk.history, flow_id)
    except UnknownRevision as error:
        return render(request, user, "flows_missing.html", {"reason": _reason(error)},
                      status=404)
    row = next((r for r in history if r.record.revision == revision), None)
    if row is None:
        return render(request, user, "flows_missing.html", {"reason": ""}, status=404)
    current = next((r.record.revision for r in history if r.current), None)
    return render(request, user, "flows_confirm.html", {
        "flow_id": flow_id, "action": action, "row": row, "current": current,
        "when": _when})


@console_page(national_only=True)
async def act(request: Request, user: ConsoleUser) -> Response:
    flow_id, action = request.path_params["flow_id"], request.path_params["action"]
    revision = _number(request.path_params["revision"])
    if action not in ACTIONS or revision is None:
        return render(request, user, "flows_missing.html", {"reason": ""}, status=404)
    services = services_of(request)
    desk = _desk(services)
    note = _note(await request.form())
    context: dict[str, Any] = {"flow_id": flow_id, "action": action, "revision": revision}
    try:
        if action == "rollback":
            done = await run_in_threadpool(desk.rollback, flow_id, revision, user.actor, note)
            result = f"rolled-back-{done.number}"
        else:
            count = await run_in_threadpool(desk.withdraw, flow_id, revision, user.actor,
                                            note)
            result = f"withdrawn-{count}"
    except UnknownRevision as error:
        return render(request, user, "flows_missing.html", {"reason": _reason(error)},
                      status=404)
    except (Refused, PublishConflict) as error:
        context["refused"] = _reason(error)
        return render(request, user, "flows_refused.html", context, status=409)
    except FlowError as error:
        context["problems"] = error.problems
        return render(request, user, "flows_refused.html", context, status=409)
    audit_action(request, user, f"flow_{action}", subject=_subject(flow_id))
    await run_in_threadpool(services.engine.library.refresh, True)
    return RedirectResponse(f"/console/flows/{flow_id}?done={result}", status_code=303)


# -- the simulator ------------------------------------------------------------------------

@console_page()
async def try_start(request: Request, user: ConsoleUser) -> Response:
    """Start a trial of a draft (``draft``) or a published revision (``flow``,
    ``revision``); the trial page follows."""
    form = await request.form()
    services = services_of(request)
    simulator = _simulator(request)
    lang = language_of(request, user)
    hub = str(form.get("hub", "")) or None
    flow_id = str(form.get("flow", ""))
    draft_id = str(form.get("draft", ""))
    revision = _number(str(form.get("revision", "")))
    try:
        if draft_id:
            draft = _drafts(request).get(draft_id, user.staff_id)
            if draft is None:
                return render(request, user, "flows_missing.html",
                              {"reason": "", "draft": True}, status=404)
            trial = await run_in_threadpool(simulator.start, draft.flows, flow_id,
                                            ("draft", draft.id), user.staff_id, lang, hub)
        else:
            desk = _desk(services)
            view = await run_in_threadpool(desk.revision, flow_id, revision)
            trial = await run_in_threadpool(simulator.start_revision, view.stored,
                                            user.staff_id, lang, hub)
    except (UnknownRevision, UnknownTrial) as error:
        return render(request, user, "flows_missing.html", {"reason": _reason(error)},
                      status=404)
    except FlowError:
        return render(request, user, "flows_missing.html",
                      {"reason": _uncompiled(flow_id, revision)}, status=404)
    audit_action(request, user, "flow_try", subject=_subject(trial.flow_id))
    return RedirectResponse(f"/console/flows/try/{trial.id}", status_code=303)


def _trial_or_none(request: Request, user: ConsoleUser) -> Trial | None:
    try:
        return _simulator(request).get(request.path_params["trial_id"], user.staff_id)
    except UnknownTrial:
        return None


@console_page()
async def try_page(request: Request, user: ConsoleUser) -> Response:
    trial = _trial_or_none(request, user)
    if trial is None:
        return render(request, user, "flows_missing.html", {"reason": "", "trial": True},
                      status=404)
    return _trial_page(request, user, trial)


def _trial_page(request: Request, user: ConsoleUser, trial: Trial, refused: str = "",
                status: int = 200) -> Response:
    """The trial as it stands; ``refused``: why the last input was not taken."""
    return render(request, user, "flows_try.html", {
        "trial": trial, "prompt": trial.prompt, "lines": trial.lines,
        "fact_words": FACT_WORDS, "refused": refused}, status=status)


@console_page()
async def try_answer(request: Request, user: ConsoleUser) -> Response:
    """One input to the trial: a button (``choice``), a multiple choice (``choices``),
    typed text (``text``) or a command (``command``, ``arg``)."""
    form = await request.form()
    simulator = _simulator(request)
    trial_id = request.path_params["trial_id"]
    try:
        if "command" in form:
            name = str(form["command"])
            if name == "leave":
                simulator.end(trial_id, user.staff_id)
                return RedirectResponse("/console/flows", status_code=303)
            simulator.command(trial_id, user.staff_id, name, str(form.get("arg", "")) or None)
        elif "choices" in form or form.get("multi"):
            simulator.choose_many(trial_id, user.staff_id,
                                  [str(v) for v in form.getlist("choices")])
        elif "choice" in form:
            simulator.choose(trial_id, user.staff_id, str(form["choice"]))
        else:
            simulator.type(trial_id, user.staff_id, str(form.get("text", "")))
    except (UnknownTrial, UnknownCommand) as error:
        # An unknown command (a forged or outdated form) leaves the trial as it was.
        trial = _trial_or_none(request, user) if isinstance(error, UnknownCommand) else None
        if trial is None:
            return render(request, user, "flows_missing.html", {"reason": "", "trial": True},
                          status=404)
        return _trial_page(request, user, trial, _reason(error), status=400)
    return RedirectResponse(f"/console/flows/try/{trial_id}#now", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/console/flows", flow_list, methods=["GET"]),
    Route("/console/flows/check", check, methods=["POST"]),
    Route("/console/flows/drafts/{draft_id}", draft_page, methods=["GET"]),
    Route("/console/flows/drafts/{draft_id}/publish", draft_publish, methods=["POST"]),
    Route("/console/flows/try", try_start, methods=["POST"]),
    Route("/console/flows/try/{trial_id}", try_page, methods=["GET"]),
    Route("/console/flows/try/{trial_id}", try_answer, methods=["POST"]),
    Route("/console/flows/{flow_id}", flow_current, methods=["GET"]),
    Route("/console/flows/{flow_id}/diff", flow_diff, methods=["GET"]),
    Route("/console/flows/{flow_id}/revisions/{revision}", flow_revision, methods=["GET"]),
    Route("/console/flows/{flow_id}/revisions/{revision}/{action}", confirm,
          methods=["GET"]),
    Route("/console/flows/{flow_id}/revisions/{revision}/{action}", act, methods=["POST"]),
]
