"""``intake run`` serves the console's listener (console, ``/metrics``, ``/healthz``) in
polling and in webhook mode, on its own address: the webhook's port serves none of it, and
the console's serves no webhook. The bot runs as a separate process behind the loopback Bot
API (``tests/telegram/loopback.py``)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.telegram.loopback import (
    WAIT,
    BotProcess,
    LoopbackBotAPI,
    child_env,
    free_port,
    intake_run,
)

SECRET = "s3cret-Webhook_token"
STRANGER = 999
PRIVATE_ONLY = "This is a private service for enrolled staff."


def client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, trust_env=False, timeout=WAIT)


def wait_healthy(bot: BotProcess, http: httpx.Client) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        assert bot.alive(), f"intake run exited: {bot.output()[-2000:]}"
        try:
            health = http.get("/healthz")
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the listener never came up"
            time.sleep(0.1)
            continue
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        return


def handled(http: httpx.Client, kind: str) -> float:
    """``intake_updates_handled_total`` for ``kind`` as ``/metrics`` says it now."""
    answer = http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "intake_updates_handled_total" and \
                    sample.labels == {"kind": kind}:
                return sample.value
    return 0.0


def until_counted(http: httpx.Client, kind: str, count: float) -> None:
    deadline = time.monotonic() + WAIT
    while handled(http, kind) < count:
        assert time.monotonic() < deadline, f"{kind} never counted {count}"
        time.sleep(0.1)


def test_polling_mode_serves_the_console_health_and_metrics_on_the_console_address(
        tmp_path: Path) -> None:
    with LoopbackBotAPI() as api:
        env = child_env(api, tmp_path / "intake.sqlite3")
        with intake_run([], env, tmp_path) as bot, client(bot.console) as http:
            wait_healthy(bot, http)
            assert handled(http, "message") == 0
            api.text(STRANGER, "/start")
            reply = api.wait_for(lambda c: c.method == "sendMessage"
                                 and c.chat_id == STRANGER, what="the reply to a stranger")
            assert reply.text == PRIVATE_ONLY
            until_counted(http, "message", 1)
            home = http.get("/", follow_redirects=False)
            assert home.status_code == 303 and home.headers["location"] == "/console/"
            console = http.get("/console/")
            assert console.headers["content-type"].startswith("text/html")
            assert console.status_code in (200, 401)  # the sign-in-needed page
            assert http.post("/telegram", json={}).status_code == 404  # no webhook here
        assert bot.process.returncode == 0, bot.output()
        assert api.sent("getUpdates")
        assert api.token not in bot.output()


def test_webhook_mode_keeps_the_console_and_metrics_off_the_webhook_port(
        tmp_path: Path) -> None:
    with LoopbackBotAPI() as api:
        port = free_port()
        env = child_env(api, tmp_path / "intake.sqlite3", INTAKE_WEBHOOK_SECRET=SECRET)
        args = ["--webhook", "--listen", "127.0.0.1", "--port", str(port)]
        with intake_run(args, env, tmp_path) as bot, \
                client(f"http://127.0.0.1:{port}") as public, client(bot.console) as inside:
            wait_healthy(bot, public)
            wait_healthy(bot, inside)
            for path in ("/metrics", "/console/", "/console/static/console.css", "/"):
                assert public.get(path).status_code == 404, path
            accepted = public.post("/telegram", headers={
                "X-Telegram-Bot-Api-Secret-Token": SECRET}, json={
                "update_id": 5, "message": {
                    "message_id": 1, "date": 1_790_000_000, "text": "/start",
                    "chat": {"id": STRANGER, "type": "private"},
                    "from": {"id": STRANGER, "is_bot": False, "first_name": "S"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
            assert accepted.status_code == 200
            until_counted(inside, "message", 1)
            assert inside.get("/console/").status_code in (200, 401)
        assert bot.process.returncode == 0, bot.output()
        assert "Application.stop() complete" in bot.output()


def test_a_console_address_in_use_stops_the_start_on_one_line_naming_the_setting(
        tmp_path: Path) -> None:
    with LoopbackBotAPI() as api, socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = child_env(api, tmp_path / "intake.sqlite3",
                        INTAKE_CONSOLE_LISTEN=f"127.0.0.1:{port}")
        done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                              timeout=120, capture_output=True, text=True, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines()[-1] == (
            f"error: cannot listen on 127.0.0.1:{port} (Address already in use); change "
            "INTAKE_CONSOLE_LISTEN")
        assert api.snapshot() == []  # stopped before any call to Telegram
