"""Referrals (``/console/referrals``): one page of referrals at a time, newest first, with
their case code, case type, hub, risk, status, the agency holding each, its deadlines, the
overdue flag and the escalation level.

Built on :class:`storage.referral_listing.SqlReferralListing`, which reads plain columns
only: no name, contact, answer or any decrypted field can reach this page. A hub
coordinator's listing is always their hub's, whatever the address asks for; only a national
coordinator filters by hub or sees every hub.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, console_page, services_of
from bot.console.render import language_of, render
from bot.i18n.texts import N_
from storage.referral_listing import ListingFilter, ListingPage, SqlReferralListing

#: The same texts the bot uses for them (``bot.telegram.focal``), so one translation serves.
CASE_TYPES = {
    "protection": N_("protection"), "medical": N_("medical"), "legal": N_("legal"),
    "material_assistance": N_("material assistance"),
    "child_protection": N_("child protection"), "gbv": N_("gender-based violence"),
}
STATUSES = {
    "sent": N_("sent"), "acknowledged": N_("acknowledged"), "accepted": N_("accepted"),
    "declined": N_("declined"), "forwarded": N_("forwarded"), "closed": N_("closed"),
    "erased": N_("erased"),
}
RISKS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
#: The role the holding agency has for the referral (``bot.routing``).
ROLES = {"partner": N_("partner"), "focal_point": N_("focal point"), "backup": N_("backup"),
         "coordinator": N_("coordinator")}
WHEN = "%Y-%m-%d %H:%M"


class BadRequest(ValueError):
    """A filter or page the listing cannot take; the message is shown as it is."""


@console_page()
async def referrals(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    lang = language_of(request, user)

    def _(message: str, **params: object) -> str:
        return services.texts.gettext(lang, message, **params)

    hubs = [(key, hub.name(lang)) for key, hub in services.directory.hubs.items()]
    query = request.query_params
    asked = {name: query.get(name, "").strip() for name in
             ("status", "hub", "code", "overdue", "after", "before")}
    context: dict[str, Any] = {
        "asked": asked, "hubs": hubs,
        "statuses": [(key, _(label)) for key, label in STATUSES.items()]}
    try:
        where, after, before = _read(asked, user, [key for key, _name in hubs], _)
    except BadRequest as error:
        context.update(error=str(error), rows=[])
        return render(request, user, "referrals.html", context, status=400)
    now = services.clock.now()
    listing = SqlReferralListing(services.storage.context)
    found = await run_in_threadpool(listing.page, where, now, after=after, before=before)
    names = {key: name for key, name in hubs}
    agencies = services.directory.agencies
    rows = [{
        "code": row.code,
        "case_type": _(CASE_TYPES[row.case_type]) if row.case_type in CASE_TYPES
        else row.case_type,
        "hub": names.get(row.hub, row.hub) if row.hub else "-",
        "risk": _(RISKS[row.risk]) if row.risk in RISKS else _("unrated"),
        "urgent": row.urgent,
        "status": _(STATUSES[row.status]) if row.status in STATUSES else row.status,
        "agency": (agencies[row.agency].name(lang) if row.agency in agencies
                   else row.agency or "-"),
        "role": _(ROLES[row.via]) if row.via in ROLES else "",
        "acknowledge_by": _when(row.acknowledge_by),
        "close_by": _when(row.case_due_at),
        "overdue": row.overdue,
        "escalation_level": row.escalation_level,
        "made": _when(row.created_at),
    } for row in found.rows]
    context.update(rows=rows, pager=_pager(found, asked), now=now.strftime(WHEN),
                   scope=_("All hubs") if user.national
                   else _("Hub: %(hub)s", hub=names.get(str(user.hub), str(user.hub))))
    return render(request, user, "referrals.html", context)


def _read(asked: dict[str, str], user: ConsoleUser, hubs: list[str],
          _: Callable[..., str]) -> tuple[ListingFilter, int | None, int | None]:
    """The filter and keyset the address asks for, checked; a hub coordinator's hub is
    always their own."""
    status = asked["status"] or None
    if status is not None and status not in STATUSES:
        raise BadRequest(_("Unknown status %(status)s; choose one from the list.",
                           status=status))
    if user.national:
        hub = asked["hub"] or None
        if hub is not None and hub not in hubs:
            raise BadRequest(_("Unknown hub %(hub)s; choose one from the list.", hub=hub))
    else:
        hub = user.hub
    keys = []
    for name in ("after", "before"):
        text = asked[name]
        if text and not (text.isascii() and text.isdigit()):
            raise BadRequest(_("This page address is not valid; start again from the first "
                               "page."))
        keys.append(int(text) if text else None)
    if keys[0] is not None and keys[1] is not None:
        raise BadRequest(_("This page address is not valid; start again from the first page."))
    where = ListingFilter(hub=hub, status=status, overdue=asked["overdue"] == "1",
                          code=asked["code"] or None)
    return where, keys[0], keys[1]


def _pager(found: ListingPage, asked: dict[str, str]) -> dict[str, str | None]:
    kept = {name: asked[name] for name in ("status", "hub", "code", "overdue") if asked[name]}

    def link(**key: int) -> str:
        return "/console/referrals?" + urlencode({**kept, **key})

    return {
        "newer": link(before=found.previous_before) if found.previous_before else None,
        "older": link(after=found.next_after) if found.next_after else None,
        "first": "/console/referrals?" + urlencode(kept) if kept else "/console/referrals",
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime(WHEN) if moment is not None else "-"


ROUTES: list[BaseRoute] = [Route("/console/referrals", referrals, methods=["GET"])]
