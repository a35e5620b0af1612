"""``/healthz``: 200 while the database answers, 503 when it does not (or not in time), so a
container runtime or a load balancer takes the process out of service while its database is
unreachable. The answer says nothing more than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("intake.health")
#: Seconds the database has to answer before the process is reported unhealthy.
TIMEOUT = 3.0


class Health:
    """``check`` returns when the database answers and raises when it does not
    (``storage.probe.DatabaseProbe.check``); it runs in a thread. A check still running
    when the next request comes is waited for again rather than started twice, so a hung
    database never piles threads up."""

    def __init__(self, check: Callable[[], None], timeout: float = TIMEOUT) -> None:
        self._check, self._timeout = check, timeout
        self._running: asyncio.Future[None] | None = None

    async def healthy(self) -> bool:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(asyncio.to_thread(self._check))
            self._running.add_done_callback(_retrieved)
        try:
            await asyncio.wait_for(asyncio.shield(self._running), self._timeout)
        except TimeoutError:
            log.warning("health_database_slow", extra={"seconds": self._timeout})
            return False
        except Exception as error:
            log.warning("health_database_unreachable", extra={"error": type(error).__name__})
            return False
        return True

    async def endpoint(self, request: Request) -> Response:
        if await self.healthy():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unreachable"}, status_code=503)


def _retrieved(done: asyncio.Future[None]) -> None:
    """Marks a check's failure as seen even when nobody waited for it any more."""
    with contextlib.suppress(asyncio.CancelledError):
        done.exception()
