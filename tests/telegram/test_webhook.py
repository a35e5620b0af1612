"""Webhook mode: the public ASGI app called directly (no server), then ``intake run --webhook``
as a separate process behind the loopback Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.http.health import Health
from bot.http.public import public_app
from bot.telegram import webhook
from bot.telegram.webhook import MAX_BODY
from storage.probe import DatabaseProbe
from tests.telegram.harness import Harness
from tests.telegram.loopback import WAIT, LoopbackBotAPI, child_env, free_port, intake_run

SECRET = "s3cret-Webhook_token"
STRANGER = 999
UPDATE = {"update_id": 77, "message": {
    "message_id": 5, "date": 1_790_000_000, "text": "/start",
    "chat": {"id": STRANGER, "type": "private"},
    "from": {"id": STRANGER, "is_bot": False, "first_name": "Someone"},
    "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    yield harness
    await harness.stop()


class Exchange:
    """One ASGI HTTP request and what the app sent back."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = list(chunks) or [b""]
        self.reads = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        chunk = self.chunks[self.reads]
        self.reads += 1
        return {"type": "http.request", "body": chunk,
                "more_body": self.reads < len(self.chunks)}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))


async def call(product: Harness, method: str, path: str, chunks: Iterable[bytes] = (),
               secret: str | None = SECRET) -> Exchange:
    probe = DatabaseProbe(product.services.settings.database_url)
    app = public_app(product.bot, SECRET, Health(probe.check))
    headers = [(b"content-type", b"application/json")]
    if secret is not None:
        headers.append((b"x-telegram-bot-api-secret-token", secret.encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    exchange = Exchange(chunks)
    try:
        await app(scope, exchange.receive, exchange.send)
    finally:
        probe.close()
    return exchange


def queued(product: Harness) -> list[tuple[int, int, Any]]:
    """The updates the webhook stored in the inbox: (update id, chat, update JSON)."""
    storage = product.services.storage
    with storage.engine.connect() as db:
        rows = db.exec_driver_sql("SELECT update_id, chat_id, body FROM inbox").all()
    return [(int(u), int(c), storage.context.cipher.decrypt_json(b)) for u, c, b in rows]


async def test_health(product: Harness) -> None:
    answer = await call(product, "GET", "/healthz", secret=None)
    assert answer.status == 200 and answer.body == {"status": "ok"}


async def test_other_paths_and_methods_are_not_found(product: Harness) -> None:
    assert (await call(product, "GET", "/telegram")).status == 404
    assert (await call(product, "POST", "/elsewhere", [b"{}"])).status == 404


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_wrong_or_missing_secret_is_forbidden_and_nothing_is_read(
        product: Harness, secret: str | None) -> None:
    answer = await call(product, "POST", "/telegram", [json.dumps(UPDATE).encode()], secret)
    assert answer.status == 403
    assert answer.reads == 0  # the body was not even read
    assert queued(product) == []


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[]", b"null", b"42",
                                  b'"update"', b"{}", b'{"update_id": 1, "message": "x"}'])
async def test_a_body_that_is_not_an_update_is_a_bad_request(
        product: Harness, body: bytes) -> None:
    answer = await call(product, "POST", "/telegram", [body])
    assert answer.status == 400
    assert queued(product) == []


async def test_an_oversized_body_is_refused(product: Harness) -> None:
    megabyte = b" " * 500_000
    answer = await call(product, "POST", "/telegram", [b"{", *[megabyte] * 3, b"}"])
    assert answer.status == 413
    assert answer.reads <= 3  # refused as soon as it grew too large
    assert queued(product) == []
    one_chunk = await call(product, "POST", "/telegram", [b" " * (MAX_BODY + 1)])
    assert one_chunk.status == 413


async def test_a_valid_update_is_stored_in_the_inbox_before_the_answer(
        product: Harness) -> None:
    body = json.dumps(UPDATE).encode()
    answer = await call(product, "POST", "/telegram", [body[:10], body[10:]])
    assert answer.status == 200 and answer.body == {"ok": True}
    assert queued(product) == [(77, STRANGER, UPDATE)]


async def test_a_press_without_the_fields_some_servers_leave_out_is_stored(
        product: Harness) -> None:
    press = {"update_id": 78, "callback_query": {
        "id": "q1", "data": "d", "from": UPDATE["message"]["from"],  # type: ignore[index]
        "message": {"chat": {"id": STRANGER, "type": "private"}}}}
    answer = await call(product, "POST", "/telegram", [json.dumps(press).encode()])
    assert answer.status == 200
    [(update_id, chat, kept)] = queued(product)
    assert (update_id, chat) == (78, STRANGER)
    assert kept["callback_query"]["chat_instance"] == ""
    assert kept["callback_query"]["message"] == {"message_id": 0, "date": 0, "chat": {
        "id": STRANGER, "type": "private"}}


async def test_an_update_the_database_does_not_take_is_answered_500_for_a_retry(
        product: Harness) -> None:
    product.services.storage.close()
    with product.services.storage.engine.connect() as db:
        db.exec_driver_sql("DROP TABLE inbox")  # the database refuses the write
        db.commit()
    answer = await call(product, "POST", "/telegram", [json.dumps(UPDATE).encode()])
    assert answer.status == 500 and answer.body == {"error": "not stored"}
    assert product.api.sent() == []  # nothing answered: Telegram sends it again


async def test_serving_sets_the_hook_starts_the_application_then_listens_until_sigterm(
        product: Harness) -> None:
    application = product.bot.application
    seen: list[tuple[str, bool]] = []

    @contextlib.asynccontextmanager
    async def listening() -> AsyncIterator[None]:
        seen.append(("listening", application.running))
        try:
            yield
        finally:
            seen.append(("no longer listening", application.running))

    async def set_hook() -> None:
        seen.append(("hook set", application.running))

    serving = asyncio.create_task(webhook.serve(product.bot, listening, set_hook))
    async with asyncio.timeout(WAIT):
        while ("listening", True) not in seen:
            await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)  # caught by serve's handler
        await serving
    assert seen == [("hook set", False), ("listening", True), ("no longer listening", True)]
    assert "setMyCommands" in [c.method for c in product.api.calls]
    assert not application.running


async def test_a_sigterm_while_telegram_is_still_being_reached_stops_at_once(
        product: Harness) -> None:
    reached = asyncio.Event()

    def listening() -> contextlib.AbstractAsyncContextManager[None]:
        raise AssertionError("nothing listens before the start-up calls succeed")

    async def unreachable() -> None:  # set_webhook retried for ever: no network
        reached.set()
        await asyncio.Event().wait()

    serving = asyncio.create_task(webhook.serve(product.bot, listening, unreachable))
    async with asyncio.timeout(WAIT):
        await reached.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        await serving
    assert not product.bot.application.running


# -- the real server, in its own process -------------------------------------------------
def test_intake_run_webhook_serves_health_and_answers_a_stranger(tmp_path: Path) -> None:
    with LoopbackBotAPI() as api:
        port = free_port()
        env = child_env(api, tmp_path / "intake.sqlite3", INTAKE_WEBHOOK_SECRET=SECRET)
        hook = f"http://127.0.0.1:{port}/telegram"
        args = ["--webhook", "--listen", "127.0.0.1", "--port", str(port), "--url", hook]
        with intake_run(args, env, tmp_path) as bot, \
                httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False,
                             timeout=WAIT) as http:
            deadline = time.monotonic() + WAIT
            while True:  # the server listens once the application has started
                assert bot.alive(), "intake run --webhook exited"
                try:
                    health = http.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the webhook never came up"
                    time.sleep(0.1)
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            [webhook] = api.sent("setWebhook")
            assert webhook.params["url"] == hook
            assert webhook.params["secret_token"] == SECRET

            refused = http.post("/telegram", json=UPDATE)
            assert refused.status_code == 403
            accepted = http.post("/telegram", json=UPDATE,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert accepted.status_code == 200
            reply = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == STRANGER,
                                 what="the reply to the stranger")
            assert reply.text == "This is a private service for enrolled staff."
            assert reply.value("protect_content") is True
        # uvicorn shuts down gracefully on SIGTERM, then raises it again to exit by it
        assert bot.process.returncode in (0, -signal.SIGTERM), bot.output()
        assert "Application.stop() complete" in bot.output()
        assert not api.unknown, [(c.method, c.error) for c in api.unknown]
        assert api.sent("getMe") and not api.sent("getUpdates")
        log = bot.output()
        assert api.token not in log and SECRET not in log
