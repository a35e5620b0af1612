"""Two ``intake run --webhook`` processes on one PostgreSQL database serve 200 concurrent
conversations, deployed as docs/deploy.md prescribes: several processes behind one webhook
URL.

Telegram refuses a second poller on one bot (409 Conflict, as the loopback Bot API does:
:mod:`tests.telegram.loopback`), so several processes take updates through webhooks. Here
the loopback server posts each update to one of the processes' webhooks in turn, as a load
balancer in front of them would, and retries an answer other than 200 as Telegram does.
Whichever process stores an update, any may handle it: the inbox hands out each chat's
oldest update only, and none while another of its updates is in hand, so consecutive steps
of one conversation are stored by and handled in different processes, in order. That, the
update ledger and the claimed outbox rows are what is tested: no answer may be lost, none
applied twice or out of order, and no card may be delivered by both workers.

The referrers behave like people: each presses a button only once the bot has answered the
previous press in that chat, and all 200 chats run interleaved (every intake is opened
first, then the steps of all 200 take turns). One thread drives them all from the bot's
replies as they arrive (no polling of the call log), so the test process stays cheap next
to the two bots and PostgreSQL on a small machine.

Two cases. One bounds how many updates await their answer at once (``WINDOW``), as people
slower than the bot do; the other sends every ready update at once, 200 at the start, which
once starved a process's connection pool (each process now takes at most 6 updates at a
time, below its pool). A third test stores two updates of each of 40 chats before either is
claimed, and checks that each chat's pair is answered in order, also when the two were
handled by different processes.

Each process uses a token of its own (same bot id, same keys; the server maps both to one
bot), only so the server can tell which process made a call.

The machinery here is shared with ``bench/postgres.py``.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from bot.directory import SAMPLE as SAMPLE_DIRECTORY
from bot.settings import Settings
from bot.telegram.callbacks import BadCallback, CallbackCodec
from bot.wiring import build_services
from storage.migrate import upgrade
from storage.models import Referral
from storage.models import Reminder as ReminderRow
from storage.stores import Storage
from tests.storage.conftest import without_postgres
from tests.storage.postgres import PostgresServer, Unavailable, find_bindir
from tests.telegram.loopback import (
    TOKEN,
    WAIT,
    BotProcess,
    Call,
    LoopbackBotAPI,
    child_env,
    free_port,
    intake_run,
)

REFERRERS = 200
FIRST_REFERRER = 300_001
FOCAL = 601
#: As a real deployment has, cards go to many focal chats: a directory in which each hub's
#: medical referrals go to an agency of its own, one focal point each, and referrers spread
#: over the hubs. The worker's sends are background work, paced per chat (one a second
#: after a burst of three), so 200 cards to a single chat would take over three minutes.
HUB_AGENCIES = {"adana_osmaniye": "example_relief", "gaziantep": "example_health",
                "hatay": "example_law", "kilis": "example_solidarity",
                "malatya_adiyaman_kmaras": "example_children", "mardin": "example_women",
                "sanliurfa": "example_community"}
FOCALS = {agency: FOCAL + n for n, agency in enumerate(sorted(HUB_AGENCIES.values()))}
PHONE = "+90 555 987 6543"
#: The second process's token: same bot (id 424242), told apart only by the server.
TOKENS = (TOKEN, TOKEN + "-second")
#: The PwSN health-care intake, as in ``test_loopback``: buttons, then the typed phone.
INTAKE = ("pwsn", "gaziantep", "en", "older", "none", "done", "person", "in_person", "yes",
          "yes", "yes", "disability", "done", "none", "done", "mobility", "alone", "no_income",
          "done", "keep", "medical", "done", "female", "phone")
PHONE_PROMPT = "Phone number"
SUMMARY = "Referral sent. Case code: "
CARD = "Referral "
STALE = "This button is out of date"
#: What every referral must carry when each answer landed at its own step.
EXPECTED_ENVELOPE = {"categories": ["disability"], "age_band": "older", "sex": "female",
                     "reach": "phone"}
#: Bound for all the conversations (they normally take about a minute on 2 cores).
DRIVE_TIMEOUT = 240.0
#: Bound for the cards and outbox rows once the conversations are over. Cards are paced at
#: one a second per focal chat after a burst of three (each process paces its own): with
#: every intake in flight at once, about 29 cards per chat come due within seconds, which
#: the limits alone spread over half a minute.
SETTLE_TIMEOUT = 120.0
#: Longer than two worker rounds (INTAKE_WORKER_SECONDS=1): a card delivered twice would
#: have shown up by then. Not an assertion on time: only how long we keep looking.
QUIET = 3.0


# -- the server: one webhook URL, two processes behind it ------------------------------------
SECRET = "two-processes-webhook-secret"
#: Threads posting updates to the webhooks (a person's next update waits for the answer
#: to their last, so one chat's updates are never posted at once).
POSTERS = 8
#: Tries per update, as Telegram retries a webhook that did not answer 200.
POST_TRIES = 20


@dataclass
class SharedBotAPI(LoopbackBotAPI):
    """The loopback Bot API for several webhook processes: each update is posted to one
    process's webhook, in turn; one token per process (mapped to the bot's token), and a
    listener told of every reply the bot sends."""

    tokens: tuple[str, ...] = TOKENS
    listener: Callable[[Call], None] | None = None
    #: The processes' base URLs, once they serve (``wait_serving``).
    hooks: list[str] = field(default_factory=list)
    #: Updates stored, per process (the index of its token), and those never taken.
    delivered: Counter[int] = field(default_factory=Counter)
    refused: list[int] = field(default_factory=list)
    _posters: ThreadPoolExecutor | None = None
    _http: httpx.Client | None = None

    def __enter__(self) -> SharedBotAPI:
        self.start()
        self._posters = ThreadPoolExecutor(POSTERS, thread_name_prefix="telegram-post")
        self._http = httpx.Client(trust_env=False, timeout=WAIT,
                                  limits=httpx.Limits(max_connections=POSTERS))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._posters is not None:
            self._posters.shutdown(wait=False, cancel_futures=True)
        if self._http is not None:
            self._http.close()
        super().__exit__(*exc)

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix, _, method = path.lstrip("/").partition("/")
        process = next((n for n, t in enumerate(self.tokens) if prefix == f"bot{t}"), None)
        if process is not None:
            path, params = f"/bot{self.token}/{method}", {**params, "_process": process}
        status, body = super().answer(path, params)
        if (status == HTTPStatus.OK and self.listener is not None
                and method in ("sendMessage", "editMessageText", "answerCallbackQuery")):
            self.listener(Call(-1, method, params, body.get("result")))
        return status, body

    def enqueue(self, update: Mapping[str, Any]) -> int:
        """Post the update to the next process's webhook (from a posting thread)."""
        assert self._posters is not None and self.hooks, "no webhook is serving yet"
        with self._changed:
            update_id = next(self._ids)
        self._posters.submit(self._post, update_id % len(self.hooks),
                             {**update, "update_id": update_id})
        return update_id

    def _post(self, target: int, update: dict[str, Any]) -> None:
        assert self._http is not None
        for attempt in range(POST_TRIES):
            try:
                answer = self._http.post(f"{self.hooks[target]}/telegram", json=update, headers={
                    "X-Telegram-Bot-Api-Secret-Token": SECRET})
                if answer.status_code == HTTPStatus.OK:
                    with self._changed:
                        self.delivered[target] += 1
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05 * (attempt + 1))
            target = (target + 1) % len(self.hooks)  # another process behind the URL
        with self._changed:
            self.refused.append(int(update["update_id"]))

    def press_update(self, user: int, data: str, message_id: int, callback_id: str) -> int:
        """``user`` presses a button; the callback query id is the caller's."""
        return self.enqueue({"callback_query": {
            "id": callback_id, "from": {"id": user, "is_bot": False, "first_name": "Staff",
                                        "language_code": "en"},
            "chat_instance": "1", "data": data,
            "message": {"message_id": message_id, "text": "", "date": int(time.time()),
                        "chat": {"id": user, "type": "private"}}}})


# -- the people: conversations driven by the bot's replies ------------------------------------
@dataclass(frozen=True)
class Step:
    """What the person waits for, then does: press ``value`` once a reply offers it, or
    type ``text`` once a reply starting with ``prompt`` came."""

    value: str | None = None
    text: str | None = None
    prompt: str | None = None


def intake_steps(values: Sequence[str] = INTAKE, phone: str | None = PHONE,
                 hub: str | None = None) -> tuple[Step, ...]:
    """The intake's steps; ``hub`` in place of the one in ``values`` (the second answer).
    Where the hub's focal point is not example_health, which offers health care in every
    hub, the referrer is asked whom to send it to, and keeps the focal point."""
    if hub is not None:
        values = (values[0], hub, *values[2:])
    steps = [Step(value=v) for v in values]
    if phone is not None:
        steps.append(Step(text=phone, prompt=PHONE_PROMPT))
    if hub is not None and HUB_AGENCIES[hub] != "example_health":
        steps.append(Step(value="-focal_point"))
    return tuple(steps)


@dataclass
class Conversation:
    chat: int
    steps: tuple[Step, ...]
    #: The next step to take once the bot has answered; len(steps): awaiting the summary.
    at: int = 0
    asked: float = 0.0  # when the person's last update was queued
    latencies: list[float] = field(default_factory=list)
    code: str | None = None

    @property
    def done(self) -> bool:
        return self.code is not None


@dataclass
class Report:
    conversations: dict[int, Conversation]
    started: float = 0.0
    finished: float = 0.0
    #: Replies with buttons that were not the step this person was at: out-of-order steps.
    unexpected: list[tuple[int, int]] = field(default_factory=list)  # (chat, step)
    #: "This button is out of date" answers: a press applied against a stale state.
    stale: list[tuple[int, int]] = field(default_factory=list)
    #: Replies to a referrer after their summary (a step applied twice, a second summary).
    extra: list[int] = field(default_factory=list)
    #: Cards the focal points received, per case code.
    cards: Counter[str] = field(default_factory=Counter)
    #: Which focal chat received each card, per case code.
    carded: dict[str, int] = field(default_factory=dict)
    #: The most updates queued and not yet answered at once.
    peak: int = 0

    @property
    def updates(self) -> int:
        return sum(len(c.latencies) for c in self.conversations.values())

    @property
    def out_of_order(self) -> int:
        return len(self.unexpected) + len(self.stale) + len(self.extra)

    def latencies(self) -> list[float]:
        return sorted(x for c in self.conversations.values() for x in c.latencies)

    def stuck(self) -> list[str]:
        return [f"{c.chat}@{c.at}" for c in self.conversations.values() if not c.done]


class Driver:
    """Runs many conversations at once from one thread: every reply of the bot lands in a
    queue; the reply a person was waiting for makes their next action ready.

    Ready actions are sent in turn (first come, first sent), at most ``window`` updates
    awaiting their answer at once (None: no bound). With ``echo`` any ``sendMessage`` to the
    chat answers a step, and presses carry the option id: the same updates for a bot that
    only echoes.
    """

    def __init__(self, api: SharedBotAPI, codec: CallbackCodec | None,
                 chats: Sequence[int], steps: tuple[Step, ...] | Mapping[int, tuple[Step, ...]],
                 focal: int | Sequence[int] | None = None,
                 window: int | None = None, echo: bool = False) -> None:
        self.api, self.codec = api, codec
        self.focals = {focal} if isinstance(focal, int) else set(focal or ())
        self.window, self.echo = window, echo
        self.events: queue.Queue[Call] = queue.Queue()
        self.report = Report({c: Conversation(c, steps if isinstance(steps, tuple)
                                              else steps[c]) for c in chats})
        self.callbacks: dict[str, tuple[int, int]] = {}
        self.ready: deque[tuple[Conversation, Callable[[], object]]] = deque()
        self.outstanding = 0
        api.listener = self.events.put

    # -- reading the bot's replies ---------------------------------------------------------
    def _value(self, data: str) -> str | None:
        if self.codec is None:
            return data
        try:
            callback = self.codec.decode(data)
        except BadCallback:
            return None
        return f"{callback.value}:{callback.arg}" if callback.arg else callback.value

    def _answers(self, call: Call, conversation: Conversation) -> str | None:
        """The button data to press next (or "" for a typed step / the summary) when
        ``call`` is the reply ``conversation`` waits for; None when it is not."""
        if self.echo:
            if call.method != "sendMessage":
                return None
            step = conversation.steps[conversation.at] if conversation.at < len(
                conversation.steps) else None
            return step.value if step is not None and step.value is not None else ""
        if conversation.at == len(conversation.steps):
            return "" if call.text.startswith(SUMMARY) else None
        step = conversation.steps[conversation.at]
        if step.value is not None:
            return next((d for _, d in call.buttons() if self._value(d) == step.value), None)
        return "" if step.prompt is not None and call.text.startswith(step.prompt) else None

    def _handle(self, call: Call) -> None:
        report = self.report
        if call.method == "answerCallbackQuery":
            if call.text.startswith(STALE):
                report.stale.append(self.callbacks.get(
                    str(call.params.get("callback_query_id")), (0, -1)))
            return
        if call.chat_id in self.focals and call.chat_id is not None:
            if call.text.startswith(CARD):
                code = call.text[len(CARD):].split()[0]
                report.cards[code] += 1
                report.carded[code] = call.chat_id
            return
        conversation = report.conversations.get(call.chat_id or 0)
        if conversation is None:
            return
        if conversation.done:
            report.extra.append(conversation.chat)
            return
        data = self._answers(call, conversation)
        if data is None:
            if call.buttons():
                report.unexpected.append((conversation.chat, conversation.at))
            return
        conversation.latencies.append(time.monotonic() - conversation.asked)
        self.outstanding -= 1
        if conversation.at == len(conversation.steps):
            conversation.code = call.text[len(SUMMARY):].split(".")[0].strip() \
                if not self.echo else "echo"
            return
        step, chat = conversation.steps[conversation.at], conversation.chat
        if step.value is not None:
            message_id = call.message_id
            assert message_id is not None
            callback_id = f"cb{chat}-{conversation.at}"
            self.callbacks[callback_id] = (chat, conversation.at)
            self.ready.append((conversation, partial(
                self.api.press_update, chat, data, message_id, callback_id)))
        else:
            self.ready.append((conversation, partial(self.api.text, chat, step.text or "")))
        conversation.at += 1

    def _send_ready(self) -> None:
        while self.ready and (self.window is None or self.outstanding < self.window):
            conversation, action = self.ready.popleft()
            self.outstanding += 1
            self.report.peak = max(self.report.peak, self.outstanding)
            conversation.asked = time.monotonic()
            action()

    # -- running ---------------------------------------------------------------------------
    def pump(self, until: Callable[[], bool], timeout: float, what: str,
             check: Callable[[], None] | None = None) -> None:
        """Handle replies until ``until()`` holds; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        checked = time.monotonic()
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; "
                                     f"stuck (chat@step): {self.report.stuck()[:20]}")
            with contextlib.suppress(queue.Empty):
                self._handle(self.events.get(timeout=min(left, 0.5)))
                while True:  # drain what is there before sending more
                    self._handle(self.events.get_nowait())
            self._send_ready()
            if check is not None and time.monotonic() - checked > 1.0:
                check()
                checked = time.monotonic()

    def run(self, timeout: float, check: Callable[[], None] | None = None,
            first: str = "/new") -> Report:
        """Every person sends ``first``, in turn, then follows the bot's replies."""
        report = self.report
        for conversation in report.conversations.values():
            self.ready.append((conversation, partial(self.api.text, conversation.chat, first)))
        report.started = time.monotonic()
        self._send_ready()
        self.pump(lambda: all(c.done for c in report.conversations.values()), timeout,
                  "every conversation to end", check)
        report.finished = time.monotonic()
        return report


# -- the product around it --------------------------------------------------------------------
@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A throwaway PostgreSQL server and database; its URL."""
    try:
        server = PostgresServer.start(find_bindir())
    except Unavailable as exc:
        without_postgres(str(exc))
    try:
        yield server.create_database(name)
    finally:
        server.stop()


def spread_directory(root: Path) -> Path:
    """The sample directory with each hub's medical referrals going to its agency in
    :data:`HUB_AGENCIES` (written under ``root``)."""
    directory = yaml.safe_load(SAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    for hub, agency in HUB_AGENCIES.items():
        point = directory["focal_points"][hub]["medical"]
        point["primary"] = agency
        if point.get("backup") == agency:
            point["backup"] = "example_health"
    path = root / "directory.yaml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    return path


def prepare(env: dict[str, str], referrers: Sequence[int],
            focal: int | Mapping[str, int]) -> tuple[CallbackCodec, dict[int, int]]:
    """Migrate and enrol, as a coordinator would; the buttons' codec and staff id -> chat.
    ``focal``: the chat of example_health's focal point, or a chat per agency."""
    settings = Settings.from_env(env)
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # before the services, which read the tables
    services = build_services(settings, storage)
    try:
        now = datetime.now(UTC)
        staff = services.storage.staff
        ids = {staff.enrol(r, "referrer", agency=None, hub="gaziantep", language="en",
                           at=now): r for r in referrers}
        for agency, chat in ({"example_health": focal} if isinstance(focal, int)
                             else focal).items():
            staff.enrol(chat, "focal_point", agency=agency, hub="gaziantep", language="en",
                        at=now)
        return CallbackCodec(services.callback_key()), ids
    finally:
        services.storage.close()


@contextlib.contextmanager
def bot_processes(env: dict[str, str], root: Path, tokens: Sequence[str] = TOKENS,
                  stop_timeout: float = 20.0) -> Iterator[list[BotProcess]]:
    """One ``intake run --webhook`` per token, each on a port and in a folder (and log) of
    its own; always stopped. Their base URLs are in each process's ``url``."""
    with contextlib.ExitStack() as stack:
        bots = []
        for n, token in enumerate(tokens):
            folder = root / f"bot{n}"
            folder.mkdir()
            port = free_port()
            bot = stack.enter_context(intake_run(
                ["--webhook", "--listen", "127.0.0.1", "--port", str(port)],
                {**env, "INTAKE_BOT_TOKEN": token, "INTAKE_WEBHOOK_SECRET": SECRET}, folder,
                stop_timeout=stop_timeout))
            bot.url = f"http://127.0.0.1:{port}"
            bots.append(bot)
        yield bots


def wait_serving(api: SharedBotAPI, bots: Sequence[BotProcess], timeout: float = 60.0) -> None:
    """Until every process answers its health check (they start in a few seconds); then
    the server posts updates to them."""
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=5.0) as http:
        for bot in bots:
            while True:
                assert bot.alive(), f"a bot process stopped: {bot.output()[-2000:]}"
                with contextlib.suppress(httpx.TransportError):
                    if http.get(f"{bot.url}/healthz").status_code == HTTPStatus.OK:
                        break
                assert time.monotonic() < deadline, f"not serving after {timeout:.0f}s"
                time.sleep(0.1)
    api.hooks = [bot.url for bot in bots]


def read_back(env: dict[str, str]) -> tuple[int, list[Any], dict[str, Any], dict[str, int]]:
    """Unsent card rows, every referral with its envelope, the contacts, and how many cards
    each worker claimed."""
    services = build_services(Settings.from_env(env))
    try:
        storage = services.storage
        pending = len([r for r in storage.reminders.pending() if r.kind == "card"])
        with storage.engine.connect() as connection:
            codes = list(connection.scalars(select(Referral.code).order_by(Referral.id)))
            workers = {str(name): int(n) for name, n in connection.execute(
                select(ReminderRow.claimed_by, func.count())
                .where(ReminderRow.kind == "card").group_by(ReminderRow.claimed_by))}
        records = [storage.referrals.get(code) for code in codes]
        contacts = {code: storage.referrals.reveal_contact(code) for code in codes}
        return pending, records, contacts, workers
    finally:
        services.storage.close()


class ProductFailure(AssertionError):
    """A bot process logged that it failed an update or a worker round."""


#: What the product logs when an update or a worker round failed (never with its content).
FAILURES = ("update_failed", "worker_tick_failed", "delivery_failed", "database_unavailable")


def failures(bots: Sequence[BotProcess]) -> dict[int, Counter[str]]:
    found = {}
    for n, bot in enumerate(bots):
        words = Counter(line.rsplit(" ", 1)[-1] for line in bot.output().splitlines())
        counted = Counter({f: words[f] for f in FAILURES if words[f]})
        if counted:
            found[n] = counted
    return found


def watch(bots: Sequence[BotProcess]) -> Callable[[], None]:
    """A check for :meth:`Driver.pump`: every process alive, none failing updates."""
    def check() -> None:
        for n, bot in enumerate(bots):
            assert bot.alive(), f"bot process {n} stopped:\n{bot.output()[-3000:]}"
        failed = failures(bots)
        if failed:
            raise ProductFailure(f"bot processes logged failures: {failed}")
    return check


def summarise(name: str, report: Report) -> tuple[float, float, float]:
    """Prints and returns updates/s, p50 and p99 latency (s) of a run."""
    latencies = report.latencies()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    rate = report.updates / (report.finished - report.started)
    print(f"{name:<9} {report.updates:6d} updates in {report.finished - report.started:6.1f}s"
          f"  {rate:7.1f} updates/s   p50 {p50 * 1e3:7.1f} ms   p99 {p99 * 1e3:7.1f} ms")
    return rate, p50, p99


# -- the test ---------------------------------------------------------------------------------
#: Updates awaiting their answer at once in the paced case (people are slower than the
#: bot); the other case sends every ready update at once, 200 at the start, which once
#: starved the connection pool (each process now handles at most 6 updates at a time).
WINDOW = 6


@pytest.mark.parametrize("window", [
    pytest.param(WINDOW, id=f"{WINDOW}-in-flight"),
    pytest.param(None, id="all-in-flight"),
])
def test_two_processes_serve_200_concurrent_conversations(tmp_path: Path,
                                                          window: int | None) -> None:
    """200 conversations open at once, interleaved step by step across two processes.

    ``window`` bounds how many updates await their answer at once (people are slower than
    the bot); None sends every ready update at once, 200 at the start.
    """
    started = time.monotonic()
    referrers = [FIRST_REFERRER + n for n in range(REFERRERS)]
    hubs = {chat: sorted(HUB_AGENCIES)[n % len(HUB_AGENCIES)]
            for n, chat in enumerate(referrers)}
    with postgres_database("two_processes") as url, SharedBotAPI(lifetime=420.0) as api:
        env = child_env(api, tmp_path / "unused.sqlite3", DATABASE_URL=url,
                        INTAKE_WORKER_SECONDS="1",
                        INTAKE_DIRECTORY=str(spread_directory(tmp_path)))
        codec, staff_ids = prepare(env, referrers, FOCALS)
        driver = Driver(api, codec, referrers,
                        {chat: intake_steps(hub=hub) for chat, hub in hubs.items()},
                        focal=FOCALS.values(), window=window)
        with bot_processes(env, tmp_path, stop_timeout=20.0 if window else 5.0) as bots:
            wait_serving(api, bots)
            ready = time.monotonic()
            report = driver.run(DRIVE_TIMEOUT, check=watch(bots))
            driven = time.monotonic()
            # Every card reaches its focal point, then nothing more comes for a while.
            driver.pump(lambda: len(report.cards) >= REFERRERS, SETTLE_TIMEOUT,
                        "a card per referral", watch(bots))
            quiet_until = time.monotonic() + QUIET
            driver.pump(lambda: time.monotonic() >= quiet_until, QUIET + 5.0, "quiet")
            pending, records, contacts, workers = read_back(env)
        for n, bot in enumerate(bots):
            # uvicorn stops cleanly on SIGTERM, then exits by raising it again
            assert bot.process.returncode in (0, -signal.SIGTERM), \
                f"bot {n}:\n{bot.output()[-3000:]}"
            assert "Application.stop() complete" in bot.output()
            log = bot.output()
            assert PHONE not in log and PHONE.replace(" ", "") not in log
            assert not any(t in log for t in TOKENS)
        assert not failures(bots)

    assert not api.unknown, [(c.method, c.error) for c in api.unknown]
    conversations = report.conversations
    # No lost answer and no out-of-order step: each person got each question in turn.
    assert all(c.done for c in conversations.values()), report.stuck()
    assert not report.unexpected, f"replies out of step (chat, step): {report.unexpected[:20]}"
    assert not report.stale, f"presses refused as stale (chat, step): {report.stale[:20]}"
    assert not report.extra, f"replies after the summary to chats {report.extra[:20]}"
    codes = {c.chat: c.code for c in conversations.values()}
    assert len(set(codes.values())) == REFERRERS

    # 200 referrals, one per referrer, each the one its summary named, with every answer.
    assert len(records) == REFERRERS
    by_referrer = Counter(staff_ids[r.referrer_id or 0] for r in records)
    assert set(by_referrer) == set(referrers) and set(by_referrer.values()) == {1}
    for record in records:
        chat = staff_ids[record.referrer_id or 0]
        assert record.code == codes[chat], chat
        assert (record.flow_id, record.case_type, record.risk, record.hub) == (
            "intake", "medical", "medium", hubs[chat]), chat
        assert record.envelope == EXPECTED_ENVELOPE, chat
        assert record.services == ("medical",), chat
        assert record.agency == HUB_AGENCIES[hubs[chat]], chat
        assert report.carded[record.code] == FOCALS[record.agency], chat
        assert contacts[record.code] == {"phone": PHONE}, chat

    # Every card sent exactly once: no outbox row delivered by both workers.
    assert report.cards == Counter({code: 1 for code in codes.values()}), [
        (code, n) for code, n in report.cards.items() if n != 1]
    cards = [c for focal in FOCALS.values() for c in api.sent("sendMessage", focal)
             if c.text.startswith(CARD)]
    assert len(cards) == REFERRERS
    assert pending == 0

    assert not api.refused, f"updates no process took: {api.refused[:20]}"
    answered = Counter(c.params.get("_process") for c in api.snapshot()
                       if c.method in ("sendMessage", "editMessageText") and c.chat_id in codes)
    summarise("two bots", report)
    print(f"two processes: ready in {ready - started:.1f}s, {REFERRERS} intakes of "
          f"{len(intake_steps()) + 1} updates in {driven - ready:.1f}s (at most "
          f"{report.peak} awaiting an answer), total {time.monotonic() - started:.1f}s; "
          f"updates stored per process {dict(sorted(api.delivered.items()))}, answered per "
          f"process {dict(sorted(answered.items()))}; cards per process "
          f"{dict(sorted(Counter(c.params.get('_process') for c in cards).items()))}, "
          f"claimed per worker {sorted(workers.values())}")
    # Both processes stored and handled updates: the conversations really were shared.
    assert all(api.delivered[n] > 0 for n in range(len(TOKENS))), api.delivered
    assert all(answered[n] > 0 for n in range(len(TOKENS))), answered


#: Chats whose two updates are stored at once, before any process claims either.
PAIRS = 40
HELP_START = "This bot guides"


def test_two_updates_of_a_chat_stored_before_either_is_claimed_are_handled_in_order(
        tmp_path: Path) -> None:
    """Each of 40 chats gets /help then /cancel, all stored in one transaction while two
    processes run: each chat's answers come in that order, whichever process handled which
    (and for some chats the two were handled by different processes)."""
    chats = [FIRST_REFERRER + n for n in range(PAIRS)]
    with postgres_database("same_chat") as url, SharedBotAPI(lifetime=300.0) as api:
        env = child_env(api, tmp_path / "unused.sqlite3", DATABASE_URL=url)
        prepare(env, chats, FOCAL)
        storage = Storage.from_settings(Settings.from_env(env))
        try:
            with bot_processes(env, tmp_path) as bots:
                wait_serving(api, bots)

                def command(update_id: int, chat: int, words: str) -> dict[str, Any]:
                    return {"update_id": update_id, "message": {
                        "message_id": update_id, "text": words, "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Staff"},
                        "entities": [{"type": "bot_command", "offset": 0,
                                      "length": len(words)}]}}
                # Half the chats have their two updates on consecutive ids, after one update
                # of another chat: a claim of the oldest rows regardless of chat would hand
                # a pair to two processes at once (pairs straddle the claims' limits). The
                # other half have every first update before every second one, so their
                # second updates are claimed by whichever process is free.
                ids = iter(range(10_000, 20_000))
                rows = [(n := next(ids), FOCAL, command(n, FOCAL, "/help"))]
                half = PAIRS // 2
                for chat in chats[:half]:
                    rows += [(n := next(ids), chat, command(n, chat, "/help")),
                             (n := next(ids), chat, command(n, chat, "/cancel"))]
                rows += [(n := next(ids), chat, command(n, chat, "/help"))
                         for chat in chats[half:]]
                rows += [(n := next(ids), chat, command(n, chat, "/cancel"))
                         for chat in chats[half:]]
                assert storage.inbox.store(rows, datetime.now(UTC)) == 2 * PAIRS + 1

                def answered() -> bool:
                    return len({c.chat_id for c in api.sent("sendMessage")
                                if c.chat_id in chats and not c.text.startswith(
                                    HELP_START)}) == PAIRS
                deadline = time.monotonic() + DRIVE_TIMEOUT
                while not answered() or storage.inbox.pending():
                    watch(bots)()
                    assert time.monotonic() < deadline, "not every chat was answered twice"
                    time.sleep(0.1)
        finally:
            storage.close()
    split = 0
    for chat in chats:
        replies = api.sent("sendMessage", chat)
        assert len(replies) == 2, (chat, [r.text[:40] for r in replies])
        assert replies[0].text.startswith(HELP_START), chat  # /help, stored first
        assert not replies[1].text.startswith(HELP_START), chat
        split += replies[0].params["_process"] != replies[1].params["_process"]
    print(f"{split} of {PAIRS} chats had their two updates handled by different processes")
    assert split > 0
