"""Staff (``/console/staff``): invite (the one-time link and its QR code), pending invitations
with cancel, members with their labels, revoke after a confirmation.

Everything is done by :class:`bot.service.staff_desk.StaffDesk` within the coordinator's
scope: a hub coordinator sees and manages their hub's referrers and focal points only, and
only a national coordinator invites coordinators. A request outside the scope is answered
403 and changes nothing. Each change is audited with the coordinator's staff id by the
service (``invite``, ``cancel_invite``, ``revoke``). Telegram ids are never shown; the code of
an invitation is shown once, on the page that made it. Agencies and hubs are those of the
directory in the database (the Directory page's), so a directory just loaded can be used.
"""

from __future__ import annotations

from typing import Any

import segno
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, console_page, services_of
from bot.console.pages.directory import desk as directory_desk
from bot.console.render import language_of, render
from bot.i18n.texts import N_
from bot.ports import NotFound
from bot.service.invites import MAX_DAYS, deep_link
from bot.service.staff_desk import InvalidInvite, OutOfScope, Scope, StaffDesk
from bot.wiring import Services
from storage.console import SqlConsoleStore

ROLE_NAMES = {"referrer": N_("Referrer"), "focal_point": N_("Focal point"),
              "coordinator": N_("Coordinator")}
WHEN = "%Y-%m-%d %H:%M"


def desk(services: Services) -> StaffDesk:
    storage = services.storage
    return StaffDesk(storage.staff, services.invites, storage.messages, storage.sessions,
                     storage.audit, services.clock, storage.unit,
                     SqlConsoleStore(storage.context))


def scope_of(user: ConsoleUser) -> Scope:
    return Scope(user.staff_id, user.hub)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


async def _page(request: Request, user: ConsoleUser, *, status: int = 200,
                error: str | None = None, notice: str | None = None,
                form: FormData | None = None) -> Response:
    services = services_of(request)
    lang = language_of(request, user)
    staff = desk(services)
    scope = scope_of(user)
    members, pending, directory = await run_in_threadpool(
        lambda: (staff.members(scope), staff.pending(scope), directory_desk(services).current()))
    agencies = sorted(((a.id, a.name(lang)) for a in directory.agencies.values()),
                      key=lambda item: item[1].casefold())
    hubs = [(key, hub.name(lang)) for key, hub in directory.hubs.items()
            if user.national or key == user.hub]
    return render(request, user, "staff.html", {
        "members": members, "pending": pending, "roles": staff.roles(scope),
        "role_names": ROLE_NAMES, "agencies": agencies, "hubs": hubs,
        "agency_names": dict(agencies), "hub_names": dict(hubs), "error": error,
        "notice": notice, "form": form or {}, "max_days": MAX_DAYS, "when": WHEN},
        status=status)


@console_page()
async def staff_page(request: Request, user: ConsoleUser) -> Response:
    notice = None
    revoked = _int(request.query_params.get("revoked", ""))
    cancelled = _int(request.query_params.get("cancelled", ""))
    services = services_of(request)
    lang = language_of(request, user)
    if revoked is not None:
        notice = services.texts.gettext(lang, N_("Staff member %(id)s was revoked."),
                                        id=revoked)
    elif cancelled is not None:
        notice = services.texts.gettext(lang, N_("Invitation %(id)s was cancelled."),
                                        id=cancelled)
    return await _page(request, user, notice=notice)


@console_page()
async def invite(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    form = await request.form()
    directory = await run_in_threadpool(directory_desk(services).current)
    staff = desk(services)
    try:
        code, made = await run_in_threadpool(
            staff.invite, scope_of(user), role=str(form.get("role", "")),
            agency=str(form.get("agency", "")).strip() or None,
            hub=str(form.get("hub", "")).strip() or None,
            label=str(form.get("label", "")).strip() or None,
            days=_int(form.get("days", "7")) or 0,
            agencies=set(directory.agencies), hubs=set(directory.hubs))
    except OutOfScope as refused:
        return await _page(request, user, status=403, error=str(refused), form=form)
    except InvalidInvite as invalid:
        return await _page(request, user, status=400, error=str(invalid), form=form)
    username = services.settings.bot_username
    link = deep_link(username, code) if username else None
    qr = Markup(segno.make(link, error="m").svg_inline(
        scale=5, border=2, dark="#1b1f24", light="#ffffff", title="QR")) if link else None
    lang = language_of(request, user)
    return render(request, user, "staff_invited.html", {
        "invite": made, "code": code, "link": link, "qr": qr, "role_names": ROLE_NAMES,
        "hub_name": directory.hubs[made.hub].name(lang) if made.hub in directory.hubs
        else None,
        "agency_name": directory.agencies[made.agency].name(lang)
        if made.agency in directory.agencies else None, "when": WHEN})


@console_page()
async def cancel(request: Request, user: ConsoleUser) -> Response:
    invite_id = int(request.path_params["invite_id"])
    try:
        await run_in_threadpool(desk(services_of(request)).cancel, scope_of(user), invite_id)
    except OutOfScope as refused:
        return await _page(request, user, status=403, error=str(refused))
    except NotFound as missing:
        return await _page(request, user, status=404, error=str(missing))
    return RedirectResponse(f"/console/staff?cancelled={invite_id}", status_code=303)


@console_page()
async def revoke_confirm(request: Request, user: ConsoleUser) -> Response:
    staff_id = int(request.path_params["staff_id"])
    try:
        member = await run_in_threadpool(desk(services_of(request)).member, scope_of(user),
                                         staff_id)
    except OutOfScope as refused:
        return await _page(request, user, status=403, error=str(refused))
    except NotFound as missing:
        return await _page(request, user, status=404, error=str(missing))
    return render(request, user, "staff_revoke.html", {
        "member": member, "role_names": ROLE_NAMES, "own": member.id == user.staff_id})


@console_page()
async def revoke(request: Request, user: ConsoleUser) -> Response:
    staff_id = int(request.path_params["staff_id"])
    try:
        await run_in_threadpool(desk(services_of(request)).revoke, scope_of(user), staff_id)
    except OutOfScope as refused:
        return await _page(request, user, status=403, error=str(refused))
    except NotFound as missing:
        return await _page(request, user, status=404, error=str(missing))
    return RedirectResponse(f"/console/staff?revoked={staff_id}", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/console/staff", staff_page, methods=["GET"]),
    Route("/console/staff/invite", invite, methods=["POST"]),
    Route("/console/staff/invites/{invite_id:int}/cancel", cancel, methods=["POST"]),
    Route("/console/staff/{staff_id:int}/revoke", revoke_confirm, methods=["GET"]),
    Route("/console/staff/{staff_id:int}/revoke", revoke, methods=["POST"]),
]
