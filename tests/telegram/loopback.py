"""A fake Bot API server on 127.0.0.1, and a runner for ``intake run`` as a separate process.

Where :mod:`tests.telegram.fakeapi` replaces python-telegram-bot's HTTP layer inside the
test process, this serves real HTTP on the loopback interface, so the bot can run unchanged
in its own process, pointed here through ``INTAKE_BOT_API_URL``.

The server speaks ``/bot<TOKEN>/<method>`` with JSON, form or query parameters. It records
every call; a method it does not know (or a wrong token) is answered with an error *and*
recorded in :attr:`LoopbackBotAPI.unknown`, so a test can fail on it. Tests queue updates with
:meth:`LoopbackBotAPI.enqueue` and wait for the bot's calls with :meth:`LoopbackBotAPI.wait_for`.

``getUpdates`` behaves as Telegram's: an update stays until a later call's ``offset``
passes it (it is then confirmed and forgotten), one poller at a time (a call arriving while
another is held open ends the older one with 409 Conflict, as Telegram does), and none at
all while a webhook is set (409 too). Several bot processes are served as Telegram serves
them: behind one webhook URL (``tests/telegram/test_two_processes.py``).

Everything is bounded: every wait has a timeout, ``getUpdates`` holds a request at most
:data:`LONG_POLL` seconds, and the server stops by itself after ``lifetime`` seconds even if a
test forgets to stop it.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 7000002
TOKEN = "424242:LOOPBACK-test-token"
#: The longest a ``getUpdates`` call is held open when no update is queued.
LONG_POLL = 0.5
#: How long a test waits for the bot, generously: these waits normally end within a second.
WAIT = 30.0
MAX_BODY = 10_000_000
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "ws_proxy",
                   "wss_proxy")


@dataclass
class Call:
    """One request the bot made, as received."""

    index: int
    method: str
    #: JSON bodies keep their types; form and query values are the strings the bot sent
    #: (python-telegram-bot sends non-string values JSON-encoded): use :meth:`value`.
    params: dict[str, Any]
    result: Any = None
    error: str | None = None
    #: When it arrived (``time.monotonic()``).
    at: float = field(default_factory=time.monotonic)

    def value(self, name: str, default: Any = None) -> Any:
        """A parameter, JSON-decoded when it was sent JSON-encoded in a form."""
        raw = self.params.get(name, default)
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return raw

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        try:
            return int(raw) if raw is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def message_id(self) -> int | None:
        """The message this call created or changed."""
        if self.params.get("message_id") is not None:
            return int(self.params["message_id"])
        if isinstance(self.result, dict) and "message_id" in self.result:
            return int(self.result["message_id"])
        return None

    def buttons(self) -> list[tuple[str, str]]:
        """``(label, callback data)`` of the inline keyboard sent with this call."""
        markup = self.value("reply_markup")
        if not isinstance(markup, dict):
            return []
        return [(str(b.get("text", "")), str(b.get("callback_data", "")))
                for row in markup.get("inline_keyboard", []) for b in row]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: LoopbackBotAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A bot stopping while its getUpdates is held open hangs up: not a failure.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as Telegram does: a client that reuses a connection across event loops
    # fails here as it would there. Handler threads are daemons, so none outlives a test.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the second waits for the
    # client's delayed ACK (~40 ms on Linux) on every call, which would dwarf the bot's work.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet; the calls are recorded instead

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        try:
            parts = urlsplit(self.path)
            params: dict[str, Any] = dict(parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True  # the unread body must not pass for a request
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            {"ok": False, "error_code": 413, "description": "too large"})
                return
            body = self.rfile.read(length) if length else b""
            params.update(_parse_body(self.headers.get("Content-Type", ""), body))
        except ValueError as error:
            self._reply(HTTPStatus.BAD_REQUEST, {"ok": False, "error_code": 400,
                                                 "description": f"Bad Request: {error}"})
            return
        status, answer = self.server.api.answer(parts.path, params)
        self._reply(status, answer)

    def _reply(self, status: int, answer: dict[str, Any]) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        return data
    if kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                fields[name] = payload.decode() if isinstance(payload, bytes) else payload
        return fields
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


@dataclass
class LoopbackBotAPI:
    """The fake Bot API server. Use as a context manager; :attr:`url` is the base URL."""

    token: str = TOKEN
    lifetime: float = 180.0
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _messages: Iterator[int] = field(default_factory=lambda: itertools.count(5001))
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: _Server | None = None
    _closed: bool = False
    #: The ``getUpdates`` call held open now (its index), and those ended by a newer one.
    _polling: int | None = None
    _ended: set[int] = field(default_factory=set)
    #: The URL set by ``setWebhook`` (``getUpdates`` is refused meanwhile).
    webhook: str | None = None

    # -- life -----------------------------------------------------------------------------
    def start(self) -> LoopbackBotAPI:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         name="loopback-bot-api", daemon=True).start()
        watchdog = threading.Timer(self.lifetime, self.stop)
        watchdog.daemon = True
        watchdog.start()
        return self

    def stop(self) -> None:
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LoopbackBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what tests do -------------------------------------------------------------------
    def enqueue(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates``; its ``update_id`` is given here."""
        with self._changed:
            update_id = next(self._ids)
            self.updates.append({**update, "update_id": update_id})
            self._changed.notify_all()
            return update_id

    def next_message_id(self) -> int:
        with self._changed:
            return next(self._messages)

    def text(self, user: int, text: str) -> tuple[int, int]:
        """A private text message from ``user``; returns (update id, message id)."""
        message_id = self.next_message_id()
        message: dict[str, Any] = {"message_id": message_id, "text": text, **_private(user)}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command)}]
        return self.enqueue({"message": message}), message_id

    def press(self, user: int, data: str, message_id: int) -> int:
        """``user`` presses the button with ``data`` under message ``message_id``."""
        base = _private(user)
        return self.enqueue({"callback_query": {
            "id": f"cb{self.next_message_id()}", "from": base["from"], "chat_instance": "1",
            "data": data, "message": {"message_id": message_id, "text": "",
                                      "chat": base["chat"], "date": base["date"]}}})

    def mark(self) -> int:
        """The index the next call will have: wait for calls ``since`` a mark."""
        with self._changed:
            return len(self.calls)

    def snapshot(self) -> list[Call]:
        with self._changed:
            return list(self.calls)

    @property
    def unknown(self) -> list[Call]:
        return [c for c in self.snapshot() if c.error is not None]

    def wait_for(self, match: Callable[[Call], bool], since: int = 0,
                 timeout: float = WAIT, what: str = "a matching call") -> Call:
        """The first call at or after index ``since`` that ``match``es; fails after
        ``timeout`` seconds with the calls seen meanwhile."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls[since:]:
                    if match(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    seen = [(c.method, c.chat_id, c.text[:60]) for c in self.calls[since:]]
                    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; "
                                         f"calls since {since}: {seen}")
                self._changed.wait(min(left, 1.0))

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [c for c in self.snapshot() if c.method == method
                and (chat_id is None or c.chat_id == chat_id)]

    # -- what the bot gets ---------------------------------------------------------------
    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix, _, method = path.lstrip("/").partition("/")
        with self._changed:
            call = Call(len(self.calls), method or prefix, params)
            self.calls.append(call)
            self._changed.notify_all()
        if prefix != f"bot{self.token}" or not method:
            return self._fail(call, HTTPStatus.UNAUTHORIZED, "Unauthorized")
        if method == "getUpdates":  # answered outside the lock: it waits for updates
            try:
                result: Any = self._get_updates(params, call.index)
            except _Conflict as conflict:
                return self._fail(call, HTTPStatus.CONFLICT, str(conflict))
        else:
            handler = _METHODS.get(method)
            if handler is None:
                return self._fail(call, HTTPStatus.BAD_REQUEST,
                                  f"Bad Request: the loopback Bot API does not know {method}")
            try:
                with self._changed:
                    result = handler(self, params)
            except (KeyError, TypeError, ValueError) as error:
                return self._fail(call, HTTPStatus.BAD_REQUEST,
                                  f"Bad Request: {type(error).__name__} {error}")
        with self._changed:
            call.result = result
            self._changed.notify_all()
        return HTTPStatus.OK, {"ok": True, "result": result}

    def _fail(self, call: Call, status: int, description: str) -> tuple[int, dict[str, Any]]:
        with self._changed:
            call.error = description
            self._changed.notify_all()
        return status, {"ok": False, "error_code": int(status), "description": description}

    def _get_updates(self, params: dict[str, Any], index: int) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), LONG_POLL)
        deadline = time.monotonic() + wait
        with self._changed:
            if self.webhook is not None:
                raise _Conflict("Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
            if self._polling is not None:  # Telegram ends the older request
                self._ended.add(self._polling)
                self._changed.notify_all()
            self._polling = index
            try:
                # Telegram's meaning: updates below ``offset`` are confirmed and forgotten.
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                while not self.updates and not self._closed and index not in self._ended:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                if index in self._ended:
                    self._ended.discard(index)
                    raise _Conflict("Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")
                return list(self.updates[:limit])
            finally:
                if self._polling == index:
                    self._polling = None

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        call = Call(-1, "", params)
        message: dict[str, Any] = {
            "message_id": message_id or next(self._messages), "date": int(time.time()),
            "chat": {"id": call.chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Intake"},
            "text": call.text,
        }
        markup = call.value("reply_markup")
        if isinstance(markup, dict):
            message["reply_markup"] = markup
        return message

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Intake",
                "username": "intake_loopback_bot", "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, int(params["message_id"]))

    def _true(self, params: dict[str, Any]) -> bool:
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = str(params["url"])
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True


class _Conflict(Exception):
    """``getUpdates`` refused as Telegram refuses it (409)."""


def _private(user: int) -> dict[str, Any]:
    return {"chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Staff", "language_code": "en"},
            "date": int(time.time())}


_METHODS: dict[str, Callable[[LoopbackBotAPI, dict[str, Any]], Any]] = {
    "getMe": LoopbackBotAPI._get_me,
    "sendMessage": LoopbackBotAPI._send_message,
    "editMessageText": LoopbackBotAPI._edit_message_text,
    "editMessageReplyMarkup": LoopbackBotAPI._true,
    "deleteMessage": LoopbackBotAPI._true,
    "deleteMessages": LoopbackBotAPI._true,
    "answerCallbackQuery": LoopbackBotAPI._true,
    "setMyCommands": LoopbackBotAPI._true,
    "deleteWebhook": LoopbackBotAPI._delete_webhook,
    "setWebhook": LoopbackBotAPI._set_webhook,
}


# -- the bot as a separate process ---------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(api: LoopbackBotAPI, database: Path, **extra: str) -> dict[str, str]:
    """The environment of ``intake run``: this one without any intake setting or proxy,
    plus the loopback API, a fresh database and fresh keys."""
    from storage.crypto import generate_key

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("INTAKE_") and k != "DATABASE_URL"
           and k.lower() not in PROXY_VARIABLES}
    env.update({
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "INTAKE_BOT_TOKEN": api.token, "INTAKE_BOT_API_URL": api.url,
        "DATABASE_URL": f"sqlite:///{database}",
        "INTAKE_KEYS": generate_key(), "INTAKE_INDEX_KEY": generate_key(),
        "INTAKE_WORKER_SECONDS": "1",
        **extra,
    })
    return env


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    log: Path
    #: Where a webhook process serves (its base URL), when the test knows it.
    url: str = ""
    #: Where its console listener serves (``INTAKE_CONSOLE_LISTEN``), as a base URL.
    console: str = ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def intake_run(args: list[str], env: Mapping[str, str], cwd: Path,
               stop_timeout: float = 15.0) -> Iterator[BotProcess]:
    """``intake run ARGS`` in its own process, its stdout and stderr in ``cwd/bot.log``.

    On the way out the process is always stopped: SIGTERM (python-telegram-bot shuts down
    cleanly on it), then SIGKILL after ``stop_timeout`` seconds. When the body failed, the
    log is printed so pytest shows it with the failure. Unless ``env`` says where, each
    process's console listens on a free port of its own (``BotProcess.console``).
    """
    log = cwd / "bot.log"
    env = {"INTAKE_CONSOLE_LISTEN": f"127.0.0.1:{free_port()}", **env}
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=cwd,
                                   env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    listen = env["INTAKE_CONSOLE_LISTEN"]
    running = BotProcess(process, log, console="" if listen == "off" else f"http://{listen}")
    failed = True
    try:
        yield running
        failed = False
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=stop_timeout)
                failed = True
                print(f"intake run did not stop within {stop_timeout:.0f}s and was killed",
                      file=sys.stderr)
        if failed:
            print(f"--- intake run {' '.join(args)} (exit {process.returncode}) ---\n"
                  f"{running.output()}\n--- end ---", file=sys.stderr)
