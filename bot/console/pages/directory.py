"""Directory (``/console/directory``): the routing table (hubs × case types), the agencies
it names with how many of their focal points are enrolled (nobody enrolled is flagged),
the emergency contacts, and, for national coordinators, upload → check → confirm → load
of a directory file (YAML) or a service-mapping matrix (CSV or XLSX).

The check runs the loaders of ``intake directory`` (:class:`bot.service.directory_desk.
DirectoryDesk`) and changes nothing; its page carries the checked file back (base64, with its
SHA-256) in the confirmation form, and loading checks it again before it replaces the
directory, with its audit entry, in one transaction. A hub coordinator sees their hub's part.
"""

from __future__ import annotations

import base64
import binascii

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, audit_action, console_page, services_of
from bot.console.render import language_of, render
from bot.directory.vocabulary import CASE_TYPES
from bot.i18n.texts import N_
from bot.service.directory_desk import (
    MAX_UPLOAD_BYTES,
    DirectoryDesk,
    UploadRejected,
    summary,
)
from bot.wiring import Services
from storage.directory import SqlDirectoryStore

#: The same texts the bot and the referrals page use for them, so one translation serves.
CASE_TYPE_NAMES = {
    "protection": N_("protection"), "medical": N_("medical"), "legal": N_("legal"),
    "material_assistance": N_("material assistance"),
    "child_protection": N_("child protection"), "gbv": N_("gender-based violence"),
}
#: The confirmation carries the file back: base64 makes it a third larger.
CONFIRM_PART = MAX_UPLOAD_BYTES * 2


def desk(services: Services) -> DirectoryDesk:
    storage = services.storage
    return DirectoryDesk(SqlDirectoryStore(storage.context), storage.staff,
                         services.settings.directory, storage.unit)


async def _overview(request: Request, user: ConsoleUser, extra: dict[str, object] | None = None,
                    *, status: int = 200) -> Response:
    lang = language_of(request, user)
    directory_desk = desk(services_of(request))

    def read() -> dict[str, object]:
        directory = directory_desk.current()
        return {"directory": directory,
                "routes": directory_desk.routes(directory, user.hub),
                "agencies": directory_desk.enrolment(directory, user.hub),
                "emergency": directory_desk.emergency(directory, user.hub),
                "hub_names": {key: hub.name(lang) for key, hub in directory.hubs.items()},
                "agency_names": {key: a.name(lang) for key, a in directory.agencies.items()}}

    values = await run_in_threadpool(read)
    return render(request, user, "directory.html", {
        **values, "case_types": CASE_TYPES, "case_type_names": CASE_TYPE_NAMES,
        "max_bytes": MAX_UPLOAD_BYTES, **(extra or {})}, status=status)


@console_page()
async def directory_page(request: Request, user: ConsoleUser) -> Response:
    loaded = request.query_params.get("loaded")
    return await _overview(request, user, {"loaded": loaded == "1"})


async def _upload(request: Request) -> tuple[str, bytes]:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return "", b""
    data = await upload.read(MAX_UPLOAD_BYTES + 1)  # the limit is checked by the desk
    return upload.filename or "", data


@console_page(national_only=True)
async def check(request: Request, user: ConsoleUser) -> Response:
    filename, data = await _upload(request)
    if not filename:
        return await _overview(request, user, {"problems": [
            services_of(request).texts.gettext(language_of(request, user),
                                               N_("Choose a file to check."))]}, status=400)
    directory_desk = desk(services_of(request))
    await run_in_threadpool(audit_action, request, user, "directory_check")
    try:
        checked = await run_in_threadpool(directory_desk.check, filename, data)
    except UploadRejected as rejected:
        return await _overview(request, user, {"problems": rejected.problems,
                                               "rejected_file": filename}, status=400)
    now = summary(await run_in_threadpool(directory_desk.current))
    return render(request, user, "directory_check.html", {
        "checked": checked, "now": now, "content": base64.b64encode(data).decode("ascii")})


@console_page(national_only=True, max_part_size=CONFIRM_PART)
async def load(request: Request, user: ConsoleUser) -> Response:
    form = await request.form()
    filename = str(form.get("filename", ""))
    try:
        data = base64.b64decode(str(form.get("content", "")), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    services = services_of(request)
    directory_desk = desk(services)

    def replace() -> None:
        with services.storage.unit():  # the directory and its audit entry, or neither
            directory_desk.load(filename, data, str(form.get("checksum", "")))
            audit_action(request, user, "directory_load")

    try:
        await run_in_threadpool(replace)
    except UploadRejected as rejected:
        return await _overview(request, user, {"problems": rejected.problems,
                                               "rejected_file": filename}, status=400)
    return RedirectResponse("/console/directory?loaded=1", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/console/directory", directory_page, methods=["GET"]),
    Route("/console/directory/check", check, methods=["POST"]),
    Route("/console/directory/load", load, methods=["POST"]),
]
