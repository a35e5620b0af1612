"""Who is signed in to the console, and what every page checks before it runs.

A page handler is written as ``async def handler(request, user) -> Response`` under
:func:`console_page`, which refuses a request without a live session (401, a page saying
how to sign in), refuses a hub coordinator on a national-only page (403), and refuses any
POST whose form lacks the session's CSRF token (403) before the handler runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.console.sessions import ConsoleSignIn
from bot.ports import Staff
from bot.wiring import Services

#: The session cookie (signed; see ``bot.console.sessions``).
COOKIE = "intake_console"
#: The form field every POST carries (``csrf_field()`` in templates).
CSRF_FIELD = "csrf"
#: The largest form part a console POST accepts unless its page says otherwise.
DEFAULT_MAX_PART = 1024 * 1024

Handler = Callable[[Request, "ConsoleUser"], Awaitable[Response]]


@dataclass(frozen=True)
class ConsoleUser:
    """A signed-in coordinator: their hub (None: national), label and language."""

    staff_id: int
    hub: str | None
    label: str | None
    language: str

    @property
    def national(self) -> bool:
        return self.hub is None

    @property
    def actor(self) -> str:
        """The audit actor for what they do in the console."""
        return f"staff:{self.staff_id}"

    @classmethod
    def of(cls, staff: Staff) -> ConsoleUser:
        return cls(staff.id, staff.hub, staff.label, staff.language)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def sign_in_of(request: Request) -> ConsoleSignIn:
    sign_in: ConsoleSignIn = request.app.state.sign_in
    return sign_in


async def current_user(request: Request) -> ConsoleUser | None:
    """The coordinator the request's session cookie signs in (its idle time moves on)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    staff = await run_in_threadpool(sign_in_of(request).user, cookie)
    return None if staff is None else ConsoleUser.of(staff)


async def csrf_ok(request: Request, max_part_size: int = DEFAULT_MAX_PART) -> bool:
    """Whether a POST's form carries the session's CSRF token (compared in constant time).
    The parsed form stays cached on the request for the handler."""
    form = await request.form(max_part_size=max_part_size)
    return sign_in_of(request).csrf_ok(request.cookies.get(COOKIE), form.get(CSRF_FIELD))


def console_page(*, national_only: bool = False, max_part_size: int = DEFAULT_MAX_PART
                 ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Make ``handler(request, user)`` an endpoint that only a signed-in coordinator reaches
    (a national one when ``national_only``), with every POST's CSRF token checked first.
    ``max_part_size``: the largest uploaded file the page accepts, in bytes."""
    from bot.console.render import refusal  # render imports this module

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = await current_user(request)
            if user is None:
                return refusal(request, None, "signin", status=401)
            if request.method == "POST" and not await csrf_ok(request, max_part_size):
                return refusal(request, user, "csrf", status=403)
            if national_only and not user.national:
                return refusal(request, user, "national", status=403)
            return await handler(request, user)
        return endpoint
    return wrap


def audit_action(request: Request, user: ConsoleUser, action: str, *,
                 code: str | None = None, subject: str | None = None) -> None:
    """Record a console action in the audit log, the coordinator's staff id as actor.
    ``subject``: what it was done to when not a referral (``staff:12``, ``flow:gbv``)."""
    services = services_of(request)
    services.storage.audit.record(user.actor, action, code, services.clock.now(),
                                  subject=subject)
