"""Running the HTTP apps inside the bot's own event loop, beside the poller or the
webhook's application: one uvicorn server per listener, each a task.

Each listener's socket is bound before anything starts (:func:`bind`), so an address in
use is one clear error at start-up, not a server dying later in the background. The
servers leave signals alone (uvicorn's own handling would take SIGTERM from the bot): the
bot stops on SIGTERM or SIGINT and then stops every listener, requests in flight finishing.

Behind a reverse proxy, ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed from the
proxies ``INTAKE_TRUSTED_PROXIES`` lists only (uvicorn's ``forwarded_allow_ips``), so the
console sees ``https`` and its cookies are marked Secure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Generator, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from bot.settings import Listen, Settings


class Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: the bot's process owns them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Listener:
    name: str
    server: Server
    socket: socket.socket
    #: The port bound (the one asked for, or the one given for port 0).
    port: int


class AddressInUse(OSError):
    """A listener's address cannot be bound; the message names the setting."""


def bind(address: Listen, setting: str) -> socket.socket:
    """A socket listening on ``address``; :class:`AddressInUse` naming ``setting`` (what
    to change) when it cannot be had."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    try:
        return socket.create_server((address.host, address.port), family=family)
    except OSError as error:
        # create_server adds the address to the text; the plain reason reads better
        reason = os.strerror(error.errno) if error.errno and error.errno > 0 \
            else str(error.strerror or error).partition(" (while attempting")[0]
        raise AddressInUse(f"cannot listen on {address} ({reason}); change {setting}") \
            from None


def listener(name: str, app: ASGIApp, address: Listen, setting: str,
             settings: Settings) -> Listener:
    """``app`` bound to ``address`` (not serving yet: see :func:`serving`)."""
    sock = bind(address, setting)
    # log_config=None: uvicorn's loggers propagate to the redacting handler (bot.logs)
    # instead of handlers of their own that would print tracebacks unfiltered.
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=True,
                            forwarded_allow_ips=list(settings.trusted_proxies))
    return Listener(name, Server(config), sock, int(sock.getsockname()[1]))


@contextlib.asynccontextmanager
async def serving(listeners: Sequence[Listener]) -> AsyncIterator[None]:
    """Serve every listener while the body runs; then stop them, each finishing the
    requests it is answering."""
    tasks = [asyncio.create_task(one.server.serve(sockets=[one.socket]), name=one.name)
             for one in listeners]
    try:
        yield
    finally:
        for one in listeners:
            one.server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for one in listeners:
            one.socket.close()
