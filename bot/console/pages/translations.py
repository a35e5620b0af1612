"""Translations (``/console/translations``): how complete each language's catalog is, for
the interface and for the flows (what ``intake i18n check`` counts), and its review status;
its PO file to download; and, for national coordinators, a PO file to upload.

An upload is checked by :class:`bot.service.translations.TranslationDesk` (size, UTF-8, PO
syntax read by Babel, the Language and Plural-Forms headers, then the checks of ``intake
i18n check``: nothing missing or fuzzy, plural forms and placeholders kept). A file with any
problem changes nothing and the page lists every problem. An accepted file is stored in the
database and every running process serves it within seconds; naming its reviewer marks it
reviewed, otherwise it is a draft (not offered to the person referred).
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, audit_action, console_page, services_of
from bot.console.render import language_of, render
from bot.i18n.texts import N_
from bot.service.translations import (
    MAX_PO_BYTES,
    CatalogRejected,
    TranslationDesk,
    check_reviewer,
)
from bot.wiring import Services

WHEN = "%Y-%m-%d %H:%M"


def display_name(code: str, ui: str) -> str:
    """A language's name in the reader's language, with its code: ``Arabic (ar)``."""
    try:
        name = Locale.parse(code).get_display_name(ui) or code
    except (UnknownLocaleError, ValueError):
        return code
    return f"{name[:1].upper()}{name[1:]} ({code})"


def desk(services: Services) -> TranslationDesk:
    if services.translations is None:  # built by bot.wiring.build_services
        raise RuntimeError("the services were built without translations")
    return services.translations


async def _page(request: Request, user: ConsoleUser, extra: dict[str, object] | None = None,
                *, status: int = 200) -> Response:
    languages = await run_in_threadpool(desk(services_of(request)).status)
    ui = language_of(request, user)
    names = {item.code: display_name(item.code, ui) for item in languages}
    return render(request, user, "translations.html", {
        "catalogs": languages, "names": names, "max_kb": MAX_PO_BYTES // 1000, "when": WHEN,
        "accepted": request.query_params.get("accepted"), **(extra or {})}, status=status)


@console_page()
async def translations_page(request: Request, user: ConsoleUser) -> Response:
    return await _page(request, user)


@console_page()
async def download(request: Request, user: ConsoleUser) -> Response:
    lang = request.path_params["lang"]
    try:
        data = await run_in_threadpool(desk(services_of(request)).download, lang)
    except KeyError:
        return await _page(request, user, {"problems": [services_of(request).texts.gettext(
            language_of(request, user), N_("There is no language '%(code)s'."), code=lang)]},
            status=404)
    await run_in_threadpool(audit_action, request, user, "download_catalog",
                            subject=f"catalog:{lang}")
    return Response(data, media_type="text/x-gettext-translation; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="intake-{lang}.po"'})


@console_page(national_only=True)
async def upload(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    form = await request.form()
    lang = str(form.get("lang", ""))
    file = form.get("file")
    ui = language_of(request, user)
    if not isinstance(file, UploadFile) or not file.filename:
        return await _page(request, user, {"problems": [services.texts.gettext(
            ui, N_("Choose a PO file to upload."))], "asked": lang}, status=400)
    data = await file.read(MAX_PO_BYTES + 1)  # the limit is checked by the desk
    try:
        reviewer = check_reviewer(str(form.get("reviewed_by", "")))
    except ValueError as error:
        return await _page(request, user, {"problems": [str(error)], "asked": lang},
                           status=400)
    translations = desk(services)

    def accept() -> None:
        with services.storage.unit():  # the catalog and its audit entry, or neither
            translations.accept(lang, file.filename or "", data, by=user.actor,
                                reviewed_by=reviewer)
            audit_action(request, user, "upload_catalog", subject=f"catalog:{lang}")

    try:
        await run_in_threadpool(accept)
    except CatalogRejected as rejected:
        if lang in translations.languages():  # what was tried, on a language that exists
            await run_in_threadpool(audit_action, request, user, "refuse_catalog",
                                    subject=f"catalog:{lang}")
        return await _page(request, user, {"problems": rejected.problems, "asked": lang,
                                           "rejected_file": file.filename}, status=400)
    translations.texts.refresh(force=True)  # after the commit, so the new one is seen
    return RedirectResponse(f"/console/translations?accepted={lang}", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/console/translations", translations_page, methods=["GET"]),
    Route("/console/translations/{lang:str}.po", download, methods=["GET"]),
    Route("/console/translations/upload", upload, methods=["POST"]),
]
