"""A bot process for the crash test: feeds a script of intentions through the real stack.

    python -m tests.telegram.crashdriver WORKDIR

Each intention becomes one update with a fixed update id (``1000 + index``); a button press
is resolved against the conversation as stored, as the person would press the button on
their screen. Progress is written after each update, so the test can restart the process
where Telegram would redeliver (from the last update not confirmed). The test kills this
process with SIGKILL at random moments.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.telegram.app import build_bot
from bot.telegram.callbacks import Callback, CallbackCodec
from bot.wiring import build_services
from storage.clock import FixedClock
from storage.migrate import upgrade
from tests.telegram.fakeapi import FakeBotAPI
from tests.telegram.harness import START, Harness

REFERRERS = (501, 502, 503)
FOCAL = 601
ANSWERS = ("pwsn", "gaziantep", "en", "none", "done", "person", "in_person", "yes", "yes",
           "yes", "disability", "done", "none", "done", "mobility", "alone", "no_income",
           "done", "keep", "medical", "done", "older", "female", "phone")


def script() -> list[tuple[int, str, str]]:
    """(user, kind, value) intentions: three intakes interleaved step by step."""
    steps: list[tuple[int, str, str]] = [(user, "text", "/new") for user in REFERRERS]
    for answer in ANSWERS:
        steps += [(user, "button", answer) for user in REFERRERS]
    steps += [(user, "text", f"+90 555 000 00{user % 100:02d}") for user in REFERRERS]
    return steps


def settings(workdir: Path) -> Settings:
    secrets = json.loads((workdir / "secrets.json").read_text())
    base = Settings.from_env({})
    return Settings(flows=base.flows, locales=base.locales, directory=base.directory,
                    default_language="en",
                    database_url=f"sqlite:///{workdir / 'intake.sqlite3'}",
                    keys=(secrets["key"],), index_key=secrets["index"],
                    bot_token="123456:CRASH")


async def run(workdir: Path) -> None:
    progress = workdir / "progress"
    start = int(progress.read_text()) if progress.exists() else 0
    services = build_services(settings(workdir), clock=FixedClock(START))
    upgrade(services.storage.engine)
    api = FakeBotAPI()
    bot = build_bot(services, request=api, run_worker=False)
    await bot.application.initialize()
    harness = Harness(services, bot, api, FixedClock(START))
    codec = CallbackCodec(services.callback_key())
    if not services.storage.staff.everyone():
        for user in REFERRERS:
            harness.enrol(user, "referrer")
        harness.enrol(FOCAL, "focal_point", agency="example_health")
    steps = script()
    for index in range(start, len(steps)):
        user, kind, value = steps[index]
        update_id = 1000 + index
        if kind == "text":
            await harness.text(user, value, update_id=update_id)
        else:
            session = services.storage.sessions.load(user)
            host: dict[str, Any] = session.host if session else {}
            data = codec.encode(Callback("a", str(host.get("token", "none")),
                                         int(host.get("seq", 0)), value))
            await harness.feed({"update_id": update_id, "callback_query": {
                "id": f"cb{update_id}", "from": harness._base(user)["from"],
                "chat_instance": "x", "data": data,
                "message": {"message_id": int(host.get("prompt") or 1), "text": "",
                            "chat": {"id": user, "type": "private"}, "date": 1_790_000_000}}})
        # Telegram redelivers from the last update it was not told about: the one before.
        progress.write_text(str(max(index, 0)))
    progress.write_text(str(len(steps)))
    await harness.tick()
    await harness.tick()
    await bot.application.shutdown()


if __name__ == "__main__":
    asyncio.run(run(Path(sys.argv[1])))
