"""The listeners run in the bot's own event loop, each on the socket bound for it before
anything starts, and believe forwarded headers from the trusted proxies only."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.http.serving import AddressInUse, bind, listener, serving
from bot.settings import Listen, Settings

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def echo() -> Starlette:
    async def seen(request: Request) -> JSONResponse:
        client = request.client.host if request.client else None
        return JSONResponse({"scheme": request.url.scheme, "client": client})

    return Starlette(routes=[Route("/", seen)])


def settings(trusted: tuple[str, ...]) -> Settings:
    return dataclasses.replace(Settings.from_env({}), trusted_proxies=trusted)


@pytest.mark.parametrize(("trusted", "seen"), [
    (("127.0.0.1",), {"scheme": "https", "client": "203.0.113.7"}),
    (("10.0.0.0/8",), {"scheme": "http", "client": "127.0.0.1"}),
])
async def test_forwarded_headers_are_believed_from_a_trusted_proxy_only(
        trusted: tuple[str, ...], seen: dict[str, str]) -> None:
    one = listener("test", echo(), Listen("127.0.0.1", 0), "TEST_SETTING", settings(trusted))
    async with serving([one]), httpx.AsyncClient(trust_env=False, timeout=10) as http:
        answered = await http.get(f"http://127.0.0.1:{one.port}/", headers=FORWARDED)
    assert answered.json() == seen


async def test_two_listeners_serve_side_by_side_and_stop_together() -> None:
    first = listener("a", echo(), Listen("127.0.0.1", 0), "A", settings(()))
    second = listener("b", echo(), Listen("127.0.0.1", 0), "B", settings(()))
    async with serving([first, second]), httpx.AsyncClient(trust_env=False, timeout=10) as http:
        for one in (first, second):
            assert (await http.get(f"http://127.0.0.1:{one.port}/")).status_code == 200
    for one in (first, second):
        assert one.socket.fileno() == -1  # closed
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{one.port}/", trust_env=False, timeout=2)


def test_an_address_in_use_is_refused_naming_the_setting_to_change(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(AddressInUse) as refused:
            bind(Listen("127.0.0.1", port), "INTAKE_CONSOLE_LISTEN")
    assert str(refused.value) == (f"cannot listen on 127.0.0.1:{port} (Address already in "
                                  "use); change INTAKE_CONSOLE_LISTEN")
