"""An offline Bot API: a ``BaseRequest`` that answers with canned JSON and records calls.

The real python-telegram-bot code runs end to end; only the HTTP exchange is replaced.
A method this fake does not know fails the test, so no call goes unnoticed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class FakeBotAPI(BaseRequest):
    calls: list[Call] = field(default_factory=list)
    #: method → (HTTP status, description, retry_after) to answer once with an error
    errors: dict[str, list[tuple[int, str, int | None]]] = field(default_factory=dict)
    next_message_id: int = 1000
    updates: list[dict[str, Any]] = field(default_factory=list)
    #: chats whose person blocked the bot: every call to them answers 403, as Telegram does
    blocked: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__()

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def fail_next(self, method: str, status: int, description: str,
                  retry_after: int | None = None) -> None:
        self.errors.setdefault(method, []).append((status, description, retry_after))

    def block(self, chat_id: int) -> None:
        """The person of ``chat_id`` blocks the bot: from now on Telegram refuses every
        message to that chat, whichever of several concurrent sends reaches it first."""
        self.blocked.add(chat_id)

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = Call(name, params)
        self.calls.append(call)
        if self.errors.get(name):
            status, description, retry_after = self.errors[name].pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": status,
                                    "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return status, json.dumps(body).encode()
        if "chat_id" in params and int(params["chat_id"]) in self.blocked:
            return 403, json.dumps({"ok": False, "error_code": 403,
                                    "description": "Forbidden: bot was blocked by the user"}
                                   ).encode()
        if name == "getUpdates" and not self.updates and params.get("timeout"):
            await asyncio.sleep(0.01)  # a long poll with nothing waiting, kept short
        handler: Callable[[dict[str, Any]], Any] | None = getattr(self, f"_{name}", None)
        if handler is None:
            raise AssertionError(f"the fake Bot API does not answer '{name}'")
        call.result = handler(params)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        self.next_message_id += 1
        message: dict[str, Any] = {
            "message_id": self.next_message_id, "date": 1_790_000_000,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Intake"},
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return message

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - API name
        return {"id": BOT_ID, "is_bot": True, "first_name": "Intake", "username": "intake_bot",
                "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params)

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        message = self._message(params)
        message["message_id"] = int(params["message_id"])
        return message

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _deleteMessage(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _deleteMessages(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _setMyCommands(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        """As Telegram: updates below ``offset`` are confirmed and forgotten; the others are
        returned (again) until a later call confirms them."""
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return self.updates[:int(params.get("limit") or 100)]
