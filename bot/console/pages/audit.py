"""Audit (``/console/audit``): the audit trail filtered by case code, actor, action and a
range of days, newest first, fifty rows a page (keyset pages: "Older" continues after the
last row shown). A hub coordinator reads only their hub's rows
(:class:`bot.service.audit_trail.AuditReader`). The trail holds ids, verbs, case codes and
times only, so nothing personal can be shown.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, console_page, services_of
from bot.console.render import render
from bot.service.audit_trail import AuditReader, BadFilter, Filters, read_filters

WHEN = "%Y-%m-%d %H:%M:%S"
FIELDS = ("code", "actor", "action", "from", "to")


@console_page()
async def audit_page(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    asked = {name: request.query_params.get(name, "").strip() for name in FIELDS}
    reader = AuditReader(services.storage.audit, services.storage.staff)
    try:
        filters = read_filters(asked)
    except BadFilter as error:
        return render(request, user, "audit.html", {
            "asked": asked, "error": str(error), "rows": [], "next_url": None,
            "first_url": None, "when": WHEN}, status=400)
    cursor = request.query_params.get("after", "")
    page = await run_in_threadpool(reader.page, filters, cursor, user.hub)
    next_url = (f"/console/audit?{urlencode({**filters.query(), 'after': page.next_cursor})}"
                if page.next_cursor else None)
    first_url = f"/console/audit?{urlencode(filters.query())}" if cursor else None
    return render(request, user, "audit.html", {
        "asked": asked, "error": None, "rows": page.rows, "next_url": next_url,
        "first_url": first_url, "when": WHEN, "filtered": filters != Filters()})


ROUTES: list[BaseRoute] = [Route("/console/audit", audit_page, methods=["GET"])]
