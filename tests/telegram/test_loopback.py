"""``intake run`` as a separate process, in polling mode, against the loopback Bot API.

Nothing is faked inside the bot: it reads its settings from the environment, migrates its
database, and talks HTTP to ``INTAKE_BOT_API_URL`` like it would to a self-hosted Bot API
server. A referrer completes an intake with the buttons; the worker delivers the card to the
focal point; the focal point accepts; the referrer is told.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.telegram.callbacks import BadCallback, CallbackCodec
from bot.wiring import build_services
from storage.migrate import upgrade
from storage.stores import Storage
from tests.telegram.loopback import WAIT, Call, LoopbackBotAPI, child_env, intake_run

REFERRER, FOCAL = 501, 601
PHONE = "+90 555 987 6543"
INTAKE = ("pwsn", "gaziantep", "en", "older", "none", "done", "person", "in_person", "yes",
          "yes", "yes", "disability", "done", "none", "done", "mobility", "alone", "no_income",
          "done", "keep", "medical", "done", "female", "phone")


@pytest.fixture
def api() -> Iterator[LoopbackBotAPI]:
    with LoopbackBotAPI() as server:
        yield server
        assert not server.unknown, [(c.method, c.error) for c in server.unknown]


def prepare(env: dict[str, str]) -> CallbackCodec:
    """Migrate the bot's database and enrol its staff, as a coordinator would; returns the
    codec that reads the bot's buttons."""
    settings = Settings.from_env(env)
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # before the services, which read the tables
    services = build_services(settings, storage)
    try:
        now = datetime.now(UTC)
        services.storage.staff.enrol(REFERRER, "referrer", agency=None, hub="gaziantep",
                                     language="en", at=now)
        services.storage.staff.enrol(FOCAL, "focal_point", agency="example_health",
                                     hub="gaziantep", language="en", at=now)
        return CallbackCodec(services.callback_key())
    finally:
        services.storage.close()


class Driver:
    """Presses the bot's buttons the way a person would: only those it last showed."""

    def __init__(self, api: LoopbackBotAPI, codec: CallbackCodec) -> None:
        self.api, self.codec = api, codec
        self.since: dict[int, int] = {}

    def _value(self, data: str) -> str | None:
        try:
            callback = self.codec.decode(data)
        except BadCallback:
            return None
        return f"{callback.value}:{callback.arg}" if callback.arg else callback.value

    def say(self, user: int, text: str) -> int:
        self.since[user] = self.api.mark()
        _, message_id = self.api.text(user, text)
        return message_id

    def choose(self, user: int, value: str) -> None:
        """Wait for a keyboard sent to ``user`` since their last action that offers
        ``value``, and press it."""
        def offers(call: Call) -> bool:
            return (call.method in ("sendMessage", "editMessageText")
                    and call.chat_id == user and call.result is not None
                    and any(self._value(data) == value for _, data in call.buttons()))

        call = self.api.wait_for(offers, self.since.get(user, 0),
                                 what=f"a button '{value}' for {user}")
        data = next(d for _, d in call.buttons() if self._value(d) == value)
        assert call.message_id is not None
        self.since[user] = self.api.mark()
        self.api.press(user, data, call.message_id)

    def text_to(self, user: int, start: str, since: int | None = None) -> Call:
        def found(call: Call) -> bool:
            return (call.method in ("sendMessage", "editMessageText")
                    and call.chat_id == user and call.result is not None
                    and call.text.startswith(start))

        return self.api.wait_for(found, self.since.get(user, 0) if since is None else since,
                                 what=f"a message to {user} starting {start!r}")


def test_a_referral_round_trip_through_a_separate_bot_process(
        api: LoopbackBotAPI, tmp_path: Path) -> None:
    started = time.monotonic()
    env = child_env(api, tmp_path / "intake.sqlite3")
    codec = prepare(env)
    with intake_run([], env, tmp_path) as bot:
        api.wait_for(lambda c: c.method == "getUpdates", what="the first getUpdates")
        driver = Driver(api, codec)
        polling = time.monotonic() - started

        driver.say(REFERRER, "/new")
        for value in INTAKE:
            driver.choose(REFERRER, value)
        # the contact question has no buttons: wait until it is asked, then type the number
        api.wait_for(lambda c: c.method in ("sendMessage", "editMessageText")
                     and c.chat_id == REFERRER and c.result is not None,
                     driver.since[REFERRER], what="the contact question")
        typed = driver.say(REFERRER, PHONE)
        summary = driver.text_to(REFERRER, "Referral sent. Case code: ").text
        code = summary.split("Case code: ")[1].split(".")[0]

        card = driver.text_to(FOCAL, f"Referral {code}", since=0)
        assert "Risk: medium" in card.text and PHONE not in card.text
        driver.since[FOCAL] = card.index
        driver.choose(FOCAL, "accept")
        driver.text_to(REFERRER, f"Referral {code}: accepted.", since=0)
        assert bot.alive()
        accepted = time.monotonic() - started

    assert bot.process.returncode == 0, bot.output()
    calls = api.snapshot()
    deleted = {m for c in api.sent("deleteMessages", REFERRER) for m in c.value("message_ids")}
    assert typed in deleted  # the typed contact was deleted from the chat at once
    assert all(c.value("protect_content") is True for c in api.sent("sendMessage"))
    assert all(PHONE not in c.text for c in calls if c.chat_id == REFERRER)
    assert {"getMe", "setMyCommands", "deleteWebhook", "answerCallbackQuery"} <= {
        c.method for c in calls}
    log = bot.output()
    assert PHONE not in log and PHONE.replace(" ", "") not in log  # no personal data
    assert api.token not in log  # nor the bot token (httpx logs every URL at INFO)
    print(f"loopback round trip: polling after {polling:.1f}s, accepted after {accepted:.1f}s,"
          f" stopped after {time.monotonic() - started:.1f}s; {len(calls)} Bot API calls")
    assert time.monotonic() - started < 4 * WAIT


# -- the loopback server itself --------------------------------------------------------------
def test_the_loopback_server_speaks_json_forms_and_records_unknown_methods() -> None:
    with LoopbackBotAPI() as api, httpx.Client(base_url=api.url, trust_env=False,
                                               timeout=WAIT) as http:
        base = f"/bot{api.token}"
        assert http.post(f"{base}/getMe").json()["result"]["is_bot"] is True
        sent = http.post(f"{base}/sendMessage", json={"chat_id": 5, "text": "hi"}).json()
        assert sent["result"]["chat"]["id"] == 5
        edited = http.post(f"{base}/editMessageText", data={
            "chat_id": "5", "message_id": str(sent["result"]["message_id"]), "text": "hey",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'})
        assert edited.json()["result"]["message_id"] == sent["result"]["message_id"]
        assert api.sent("editMessageText")[0].buttons() == [("A", "a")]

        update_id = api.enqueue({"message": {"message_id": 1, "text": "x", "date": 0,
                                             "chat": {"id": 5, "type": "private"}}})
        got = http.post(f"{base}/getUpdates", data={"offset": "0", "timeout": "10"}).json()
        assert [u["update_id"] for u in got["result"]] == [update_id]
        waited = time.monotonic()
        again = http.post(f"{base}/getUpdates", data={"offset": str(update_id + 1),
                                                      "timeout": "10"}).json()
        assert again["result"] == [] and time.monotonic() - waited < 5

        assert http.post(f"{base}/sendPhoto", data={"chat_id": "5"}).status_code == 400
        assert http.post("/botWRONG/getMe").status_code == 401
        assert [c.method for c in api.unknown] == ["sendPhoto", "getMe"]


def test_the_loopback_server_refuses_a_second_poller_and_polling_beside_a_webhook() -> None:
    """As Telegram: a ``getUpdates`` arriving while another is held open ends the older one
    with 409 Conflict; with a webhook set, ``getUpdates`` is refused until it is deleted."""
    with LoopbackBotAPI() as api, httpx.Client(base_url=api.url, trust_env=False,
                                               timeout=WAIT) as http:
        base = f"/bot{api.token}"
        answers: list[httpx.Response] = []
        older = threading.Thread(target=lambda: answers.append(http.post(
            f"{base}/getUpdates", data={"timeout": "10"})))
        older.start()
        api.wait_for(lambda c: c.method == "getUpdates", what="the held poll")
        time.sleep(0.05)  # the first call is inside its wait
        newer = http.post(f"{base}/getUpdates", data={"timeout": "0"})
        older.join(timeout=WAIT)
        assert newer.status_code == 200
        [ended] = answers
        assert ended.status_code == 409
        assert ended.json()["description"] == ("Conflict: terminated by other getUpdates "
                                               "request; make sure that only one bot "
                                               "instance is running")
        assert http.post(f"{base}/setWebhook", data={"url": "https://x/telegram"}).json()["ok"]
        refused = http.post(f"{base}/getUpdates", data={"timeout": "0"})
        assert refused.status_code == 409 and "webhook is active" in refused.json()[
            "description"]
        assert http.post(f"{base}/deleteWebhook").json()["ok"]
        assert http.post(f"{base}/getUpdates", data={"timeout": "0"}).status_code == 200
