"""Signing in to the web console without a password: one-time links and sessions.

A coordinator asks the bot (``/console``) or an operator runs ``intake console link``; either
way :meth:`ConsoleSignIn.issue` makes a random token, keeps only its SHA-256 hash, and gives
back a link valid for :data:`LINK_MINUTES` minutes. Opening the link only shows a button
(:meth:`ConsoleSignIn.pending` reads, it never spends); pressing it (a POST) spends the link
(:meth:`ConsoleSignIn.redeem`) and opens a session.

A session is a random id held in a cookie signed with a key derived from the settings'
secrets; the server keeps the id's hash and when it was last used. Every request checks the
signature, the idle time (:data:`IDLE`), and that the member is still an active coordinator,
so revoking them ends their sessions at once. The CSRF token of a session is derived from
its id with the same key: nothing more to store, and it changes with every sign-in.

No HTTP here: the console's routes (``bot.console.auth``) and the bot's ``/console`` command
call this service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from bot.i18n.texts import N_, Texts
from bot.ports import AuditLog, Clock, NotFound, Staff, StaffStore
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.wiring import Services

#: A sign-in link is valid this long after it was made.
LINK_MINUTES = 10
#: A session unused this long has ended.
IDLE = timedelta(hours=8)
#: The path a link opens; the token follows it.
SIGNIN_PATH = "/console/signin/"
Refusal = Literal["link", "role", "address"]
#: Added to a coordinator's /help.
CONSOLE_HELP = N_("/console sends you a one-time sign-in link to the web console.")
#: What the bot answers to /console when it makes no link, by reason.
BOT_REFUSALS: dict[str, str] = {
    "role": N_("The web console is for coordinators. Referrers and focal points keep working "
               "here in the bot."),
    "address": N_("The web console's address is not set up yet. Please ask your operator."),
    "link": N_("No sign-in link could be made. Please try again."),
}


class ConsoleStore(Protocol):
    """Links and sessions, by the hash of their secret (``storage.console``)."""

    def add_link(self, token_hash: str, staff_id: int, at: datetime,
                 expires_at: datetime) -> None: ...
    def link_staff(self, token_hash: str, at: datetime) -> int | None: ...
    def take_link(self, token_hash: str, at: datetime) -> int | None: ...
    def open_session(self, session_hash: str, staff_id: int, at: datetime) -> None: ...
    def touch(self, session_hash: str, at: datetime, idle: timedelta) -> int | None: ...
    def end(self, session_hash: str) -> bool: ...
    def end_all(self, staff_id: int) -> int: ...
    def purge(self, at: datetime, idle: timedelta) -> int: ...


class SignInRefused(Exception):
    """Why no link or no session: ``link`` (unknown, used or expired), ``role`` (not an
    active coordinator), ``address`` (no INTAKE_PUBLIC_URL to build a link on)."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value to set, and who it belongs to."""

    cookie: str
    staff: Staff


def console_key(settings: Settings) -> bytes:
    """The key that signs session cookies and CSRF tokens, derived from the index key (or
    the first encryption key), apart from every other use of them."""
    secret = settings.index_key or (settings.keys[0] if settings.keys else None)
    if secret is None:
        raise ValueError("the console needs INTAKE_INDEX_KEY or INTAKE_KEYS to sign sessions")
    return hashlib.sha256(b"intake console sessions\0" + secret.encode("utf-8")).digest()


def public_url(settings: Settings) -> str | None:
    """``INTAKE_PUBLIC_URL`` without a trailing slash, or None when not set."""
    value = getattr(settings, "public_url", None)
    return str(value).rstrip("/") if value else None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class ConsoleSignIn:
    def __init__(self, store: ConsoleStore, staff: StaffStore, audit: AuditLog, clock: Clock,
                 key: bytes, base_url: str | None) -> None:
        self.store = store
        self.staff = staff
        self.audit = audit
        self.clock = clock
        self._key = key
        self.base_url = base_url

    # -- links ------------------------------------------------------------------------
    def issue(self, staff_id: int, *, by: str) -> Link:
        """A one-time link for an active coordinator; ``by`` is the audit actor who asked
        (``staff:12`` from the bot, ``cli`` from the command line)."""
        if self.base_url is None:
            raise SignInRefused("address", "INTAKE_PUBLIC_URL is not set: the console's "
                                "address is needed to make a sign-in link")
        staff = self._coordinator(staff_id)
        token = secrets.token_urlsafe(32)
        at = self.clock.now()
        expires_at = at + timedelta(minutes=LINK_MINUTES)
        self.store.purge(at, IDLE)  # spent links and ended sessions go as new ones come
        self.store.add_link(_hash(token), staff.id, at, expires_at)
        self.audit.record(by, "console_link", None, at, subject=f"staff:{staff.id}")
        return Link(f"{self.base_url}{SIGNIN_PATH}{token}", expires_at)

    def bot_reply(self, staff: Staff, texts: Texts) -> str:
        """The bot's answer to ``/console`` from ``staff``: a new link, or why there is
        none, in their language. Send it without a link preview."""
        lang = staff.language
        try:
            link = self.issue(staff.id, by=f"staff:{staff.id}")
        except SignInRefused as refused:
            return texts.gettext(lang, BOT_REFUSALS[refused.reason])
        return texts.gettext(lang, N_(
            "Your sign-in link to the web console. It works once, for %(minutes)s minutes. "
            "Do not forward it."), minutes=LINK_MINUTES) + "\n" + link.url

    def pending(self, token: str) -> Staff:
        """Who an unused, unexpired link is for; spends nothing (a link preview or a mail
        scanner that fetches the page leaves it usable)."""
        staff_id = self.store.link_staff(_hash(token), self.clock.now())
        if staff_id is None:
            raise SignInRefused("link", "this sign-in link is unknown, used or expired")
        return self._coordinator(staff_id)

    def redeem(self, token: str) -> SignedIn:
        """Spend the link and open a session (once: a second try is refused)."""
        at = self.clock.now()
        staff_id = self.store.take_link(_hash(token), at)
        if staff_id is None:
            raise SignInRefused("link", "this sign-in link is unknown, used or expired")
        staff = self._coordinator(staff_id, refused_at=at)
        cookie = self.open_session(staff.id)
        self.audit.record(f"staff:{staff.id}", "console_sign_in", None, at)
        return SignedIn(cookie, staff)

    def _coordinator(self, staff_id: int, refused_at: datetime | None = None) -> Staff:
        try:
            staff = self.staff.get(staff_id)
        except NotFound:
            raise SignInRefused("role", "no such staff member") from None
        if staff.role != "coordinator" or not staff.active:
            if refused_at is not None:
                self.audit.record(f"staff:{staff.id}", "console_refused", None, refused_at)
            raise SignInRefused("role", "only active coordinators can sign in to the console")
        return staff

    # -- sessions ---------------------------------------------------------------------
    def open_session(self, staff_id: int) -> str:
        """A new session for ``staff_id``; the signed cookie value. (Sign-in calls this
        after checking the member; tests call it to start signed in.)"""
        session_id = secrets.token_urlsafe(32)
        self.store.open_session(_hash(session_id), staff_id, self.clock.now())
        return f"{session_id}.{self._sign(b'session', session_id)}"

    def session_id(self, cookie: str | None) -> str | None:
        """The session id of a cookie whose signature holds, else None."""
        if not cookie or cookie.count(".") != 1:
            return None
        session_id, signature = cookie.split(".")
        if not hmac.compare_digest(signature.encode("utf-8"),
                                   self._sign(b"session", session_id).encode("utf-8")):
            return None
        return session_id

    def user(self, cookie: str | None) -> Staff | None:
        """The active coordinator a cookie signs in, or None. Moves the idle time on. A
        member found revoked (or no longer a coordinator) loses every session at once."""
        session_id = self.session_id(cookie)
        if session_id is None:
            return None
        staff_id = self.store.touch(_hash(session_id), self.clock.now(), IDLE)
        if staff_id is None:
            return None
        try:
            staff = self.staff.get(staff_id)
        except NotFound:
            staff = None
        if staff is None or not staff.active or staff.role != "coordinator":
            self.store.end_all(staff_id)
            return None
        return staff

    def csrf(self, cookie: str | None) -> str | None:
        """The CSRF token of the cookie's session (None without a valid cookie)."""
        session_id = self.session_id(cookie)
        return None if session_id is None else self._sign(b"csrf", session_id)

    def csrf_ok(self, cookie: str | None, given: object) -> bool:
        expected = self.csrf(cookie)
        return (expected is not None and isinstance(given, str)
                and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")))

    def drop(self, cookie: str | None) -> None:
        """End the session of a cookie being replaced (a new sign-in in the same browser)."""
        session_id = self.session_id(cookie)
        if session_id is not None:
            self.store.end(_hash(session_id))

    def sign_out(self, cookie: str | None, staff_id: int) -> None:
        session_id = self.session_id(cookie)
        if session_id is not None:
            self.store.end(_hash(session_id))
        self.audit.record(f"staff:{staff_id}", "console_sign_out", None, self.clock.now())

    def end_sessions(self, staff_id: int) -> int:
        """End every session of a member (revoked); how many were open."""
        return self.store.end_all(staff_id)

    def _sign(self, purpose: bytes, value: str) -> str:
        return _b64(hmac.new(self._key, purpose + b"\0" + value.encode("utf-8"),
                             hashlib.sha256).digest())


def sign_in_for(services: Services) -> ConsoleSignIn:
    """The sign-in service on ``services``' database, clock and settings."""
    from storage.console import SqlConsoleStore

    storage = services.storage
    return sign_in_service(services.settings, SqlConsoleStore(storage.context), storage.staff,
                           storage.audit, services.clock)


def sign_in_service(settings: Settings, store: ConsoleStore, staff: StaffStore,
                    audit: AuditLog, clock: Clock) -> ConsoleSignIn:
    return ConsoleSignIn(store, staff, audit, clock, console_key(settings),
                         public_url(settings))
