"""The console's sign-in and sign-out pages.

``GET /console/signin/TOKEN`` only shows a button, so a link preview or a mail scanner
fetching the page cannot spend the link; the button POSTs to the same address, which spends
it and sets the session cookie. The link's token is never logged nor sent on as a referrer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.access import COOKIE, ConsoleUser, console_page, services_of, sign_in_of
from bot.console.render import LANGUAGE_COOKIE, language_of, refusal, render
from bot.console.sessions import SignInRefused
from bot.settings import Settings

#: The session cookie's lifetime in the browser; the server ends it after IDLE unused.
COOKIE_MAX_AGE = 7 * 24 * 3600


def secure(request: Request, settings: Settings) -> bool:
    """Whether cookies get the Secure flag: the request came over HTTPS (proxy headers are
    trusted by the server in front), or the console's public address is HTTPS."""
    public = str(getattr(settings, "public_url", None) or "")
    return request.url.scheme == "https" or public.startswith("https://")


async def signin_page(request: Request) -> Response:
    token = str(request.path_params["token"])
    sign_in = sign_in_of(request)
    try:
        staff = await run_in_threadpool(sign_in.pending, token)
    except SignInRefused as refused:
        return refusal(request, None, refused.reason, status=403)
    return render(request, None, "signin.html", {"action": request.url.path},
                  lang=language_of(request, None, staff.language))


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a POST came from the console's own pages: no ``Origin`` header (an older
    browser), or one naming this server or the public address. A page elsewhere cannot
    make a browser sign in with a link it holds (the link is the only secret then)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    public = str(getattr(settings, "public_url", None) or "")
    return urlsplit(origin).netloc in {request.url.netloc, urlsplit(public).netloc} - {""}


async def signin_submit(request: Request) -> Response:
    token = str(request.path_params["token"])
    sign_in = sign_in_of(request)
    if not same_origin(request, services_of(request).settings):
        return refusal(request, None, "origin", status=403)
    try:
        signed_in = await run_in_threadpool(sign_in.redeem, token)
    except SignInRefused as refused:
        return refusal(request, None, refused.reason, status=403)
    if request.cookies.get(COOKIE):  # the session this browser had before ends
        await run_in_threadpool(sign_in.drop, request.cookies.get(COOKIE))
    response = RedirectResponse("/console/", status_code=303)
    response.set_cookie(COOKIE, signed_in.cookie, max_age=COOKIE_MAX_AGE, path="/console",
                        secure=secure(request, services_of(request).settings),
                        httponly=True, samesite="strict")
    return response


@console_page()
async def signout(request: Request, user: ConsoleUser) -> Response:
    await run_in_threadpool(sign_in_of(request).sign_out, request.cookies.get(COOKIE),
                            user.staff_id)
    response = RedirectResponse("/console/signed-out", status_code=303)
    response.delete_cookie(COOKIE, path="/console",
                           secure=secure(request, services_of(request).settings),
                           httponly=True, samesite="strict")
    return response


async def signed_out(request: Request) -> Response:
    return render(request, None, "signed_out.html")


@console_page()
async def choose_language(request: Request, user: ConsoleUser) -> Response:
    """Remember the console's language in a cookie (the member's bot language stays)."""
    form = await request.form()
    lang = str(form.get("lang", ""))
    back = str(form.get("next", "/console/"))
    if not back.startswith("/console/") or back.startswith("//"):
        back = "/console/"
    response = RedirectResponse(back, status_code=303)
    if lang in request.app.state.languages:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, path="/console",
                            secure=secure(request, services_of(request).settings),
                            httponly=True, samesite="strict")
    return response


@console_page()
async def home(request: Request, user: ConsoleUser) -> Response:
    """``/console/`` until the Overview page is installed (a page route comes first)."""
    return render(request, user, "home.html")


async def bare(request: Request) -> Response:
    return RedirectResponse("/console/", status_code=307)


ROUTES: list[BaseRoute] = [
    Route("/console/signin/{token}", signin_page, methods=["GET"]),
    Route("/console/signin/{token}", signin_submit, methods=["POST"]),
    Route("/console/signout", signout, methods=["POST"]),
    Route("/console/signed-out", signed_out, methods=["GET"]),
    Route("/console/language", choose_language, methods=["POST"]),
]
#: Served after every page's routes, so a page at the same address wins.
FALLBACK_ROUTES: list[BaseRoute] = [
    Route("/console/", home, methods=["GET"]),
    Route("/console", bare, methods=["GET"]),
]
