"""Render the console's templates in the reader's language.

Every template extends ``base.html`` and fills the blocks ``title`` and ``content``. In a
template: ``_("text", name=value)`` and ``ngettext(singular, plural, n)`` translate (the
values are inserted after translation, isolated inside right-to-left text, and escaped),
``said(text)`` shows a loader's English problem (a :class:`~bot.i18n.phrase.Phrase`) in the
reader's language, ``csrf_field()`` is the hidden input every POST form needs, and
``user``, ``lang``, ``dir`` (``rtl`` for Arabic) and ``hub_name`` (the user's hub in their
language) describe the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.console.access import COOKIE, CSRF_FIELD, ConsoleUser, services_of, sign_in_of
from bot.i18n.phrase import say
from bot.i18n.texts import N_, SOURCE_LANGUAGE, is_rtl

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The cookie that keeps the language chosen in the console (else the member's own).
LANGUAGE_COOKIE = "intake_console_lang"
#: The pages in the navigation, in order: (path, label).
NAV = (("/console/", N_("Overview")), ("/console/referrals", N_("Referrals")),
       ("/console/flows", N_("Flows")), ("/console/translations", N_("Translations")),
       ("/console/directory", N_("Directory")), ("/console/staff", N_("Staff")),
       ("/console/audit", N_("Audit")))


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    current: bool


def template_environment() -> Environment:
    """Jinja with autoescaping for ``.html`` (so every inserted value is escaped)."""
    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def interface_languages(locales: Path) -> tuple[str, ...]:
    """English, then every language with a catalog in ``locales``."""
    found = sorted(path.parent.parent.name
                   for path in locales.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def language_name(lang: str) -> str:
    """A language's own name for itself (``Türkçe``), or its code when Babel has none."""
    try:
        name = Locale.parse(lang).get_display_name(lang)
    except (UnknownLocaleError, ValueError):
        return lang
    return name[:1].upper() + name[1:] if name else lang


def language_of(request: Request, user: ConsoleUser | None,
                fallback: str | None = None) -> str:
    """The language chosen in the console, else the member's, else ``fallback`` (the
    member a sign-in link is for), else the settings' default."""
    available = request.app.state.languages
    for lang in (request.cookies.get(LANGUAGE_COOKIE), user.language if user else None,
                 fallback, services_of(request).settings.default_language):
        if lang in available:
            return str(lang)
    return SOURCE_LANGUAGE


def render(request: Request, user: ConsoleUser | None, template: str,
           context: dict[str, Any] | None = None, *, status: int = 200,
           lang: str | None = None) -> HTMLResponse:
    """The page ``template`` for ``user`` (None on the sign-in pages) as an HTML response."""
    services = services_of(request)
    texts = services.texts
    lang = lang or language_of(request, user)
    cookie = request.cookies.get(COOKIE)

    def translate(message: str, **params: object) -> str:
        return texts.gettext(lang, message, **params)

    def plural(singular: str, plural_: str, num: int, **params: object) -> str:
        return texts.ngettext(lang, singular, plural_, num, **params)

    def csrf_field() -> Markup:
        token = sign_in_of(request).csrf(cookie) or ""
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD,
                                                                         escape(token))

    path = request.url.path
    nav = [NavItem(target, translate(label),
                   path == target or (target != "/console/" and path.startswith(target)))
           for target, label in NAV]
    languages = [(code, language_name(code)) for code in request.app.state.languages]
    hub = services.directory.hubs.get(user.hub) if user is not None and user.hub else None
    values: dict[str, Any] = {
        "request": request, "user": user, "lang": lang, "dir": "rtl" if is_rtl(lang) else "ltr",
        "_": translate, "gettext": translate, "ngettext": plural, "csrf_field": csrf_field,
        "said": lambda text: say(text, translate, lang),
        "nav": nav if user is not None else [], "languages": languages, "path": path,
        "hub_name": hub.name(lang) if hub is not None else (user.hub if user else None),
        **(context or {})}
    environment: Environment = request.app.state.jinja
    body = environment.get_template(template).render(values)
    return HTMLResponse(body, status_code=status, headers={"Content-Language": lang})


#: Why a request is refused: (heading, explanation) per reason, for ``refused.html``.
REFUSALS: dict[str, tuple[str, str]] = {
    "signin": (N_("Please sign in"), N_(
        "Your session has ended or you have not signed in. Send /console to the bot to get "
        "a sign-in link; it works once, for ten minutes.")),
    "csrf": (N_("This form has expired"), N_(
        "The form was not sent from this console session, so nothing was changed. Go back, "
        "reload the page and try again.")),
    "national": (N_("National coordinators only"), N_(
        "Only a national coordinator (one without a hub) can do this.")),
    "link": (N_("This sign-in link cannot be used"), N_(
        "The link is unknown, was already used, or is older than ten minutes. Send /console "
        "to the bot for a new one.")),
    "origin": (N_("Sign in from the link itself"), N_(
        "This sign-in was sent from another website, so it was refused and the link still "
        "works. Open the link from the bot's message and press Sign in there.")),
    "form": (N_("The form could not be read"), N_(
        "It was too large or damaged, so nothing was changed. Go back and try again with "
        "less text or a smaller file.")),
    "missing": (N_("Page not found"), N_(
        "There is no console page at this address. Use the pages listed above.")),
    "role": (N_("The console is for coordinators"), N_(
        "Only enrolled coordinators can sign in to the console. Referrers and focal points "
        "keep working in the bot.")),
}


def refusal(request: Request, user: ConsoleUser | None, reason: str, *, status: int,
            lang: str | None = None) -> HTMLResponse:
    heading, explanation = REFUSALS[reason]
    return render(request, user, "refused.html",
                  {"heading": heading, "explanation": explanation, "reason": reason},
                  status=status, lang=lang)


