"""Fields Telegram always sends that some other Bot API servers leave out, filled in where
their value is certain or never read.

``INTAKE_BOT_API_URL`` may point the bot at a server that is not Telegram's: a self-hosted
Bot API server, a proxy, or an emulator that drives the real ``intake run`` in end-to-end
tests. Some leave out fields python-telegram-bot requires, and then the bot could not start
(``getMe`` without ``is_bot``) or could not read a button press (a callback query without
``chat_instance``, or whose message lacks its id or date). Only these are filled:

* ``getMe``'s ``is_bot``: the answer describes the bot itself, so it can only be true;
* a callback query's ``chat_instance``: the product never reads it;
* a callback query's message without ``date`` or ``message_id``: read as Telegram's
  "inaccessible message" (date 0), which keeps its chat; a missing id becomes 0, which names
  no message (Telegram's ids start at 1), so nothing is edited in place.

Anything else missing still makes the object unreadable, as with Telegram.

Some servers also answer a refusal with HTTP 200 and ``"ok": false`` in the body, where
Telegram sends the refusal's own status (400 for a message that cannot be deleted).
python-telegram-bot then fails on the missing result with a ``KeyError`` the product cannot
tell from a fault of its own; the transport gives such an answer the status in its
``error_code`` (else 400), so it is read as the refusal it is.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData


def complete_me(me: Any) -> Any:
    """``getMe``'s result with ``is_bot`` filled in when it is missing."""
    if isinstance(me, dict) and "is_bot" not in me:
        return {**me, "is_bot": True}
    return me


def complete_update(data: dict[str, Any]) -> dict[str, Any]:
    """The update with a callback query's omitted fields filled in (see the module)."""
    query = data.get("callback_query")
    if not isinstance(query, dict):
        return data
    query = {**query}
    query.setdefault("chat_instance", "")
    message = query.get("message")
    if isinstance(message, dict) and ("date" not in message or "message_id" not in message):
        query["message"] = {"message_id": message.get("message_id", 0), "date": 0,
                            "chat": message.get("chat")}
    return {**data, "callback_query": query}


def refusal_status(status: int, payload: bytes) -> int:
    """The HTTP status a refusal should have come with: ``status`` unless the body says
    ``"ok": false`` under a 2xx status (see the module)."""
    # Only the first bytes are looked at (Telegram puts "ok" first), and never the whole
    # answer copied: every call of the bot passes here.
    if not 200 <= status < 300 or not payload[:32].lstrip().replace(b" ", b"").startswith(
            b'{"ok":false'):
        return status
    try:
        answer = json.loads(payload)
    except ValueError:
        return status
    code = answer.get("error_code") if isinstance(answer, dict) else None
    return code if isinstance(code, int) and 400 <= code < 600 else 400


class Tolerant(BaseRequest):
    """A transport around the one that does the HTTP: it completes ``getMe``'s answer
    (:func:`complete_me`) and gives a refusal sent as a success its own status
    (:func:`refusal_status`). Other answers pass through unread."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        status, payload = await self.inner.do_request(
            url, method, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        status = refusal_status(status, payload)
        if status != 200 or not url.endswith("/getMe"):
            return status, payload
        try:
            answer = json.loads(payload)
        except ValueError:
            return status, payload  # PTB says what is wrong with it
        if not isinstance(answer, dict) or "result" not in answer:
            return status, payload
        answer["result"] = complete_me(answer["result"])
        return status, json.dumps(answer).encode()
