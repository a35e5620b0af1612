"""Crash safety of ``intake run`` against a Bot API that confirms updates by ``offset``, as
Telegram does: an update below the offset of a later ``getUpdates`` is forgotten by the
server, so only the bot's own inbox can still have it.

One test kills the process in the exact window the inbox exists for: the update was
confirmed to the server but not yet handled (the chat's lock is held in the database, so
the handling waits). The other kills it with SIGKILL at fifty random moments while three
referrers work through their intakes, counting from the first update each run handled.
Nothing is ever sent again by the test: the people act only on what took effect
(:mod:`tests.telegram.crashdriver`). ``INTAKE_KILL_POINTS`` sets the number of kills.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

from bot.settings import Settings
from storage.database import make_engine
from storage.locks import NAMESPACE, _key
from storage.stores import Storage
from tests.telegram.crashdriver import FOCAL, PHONE, REFERRERS, People
from tests.telegram.loopback import WAIT, BotProcess, LoopbackBotAPI, child_env, intake_run
from tests.telegram.test_two_processes import EXPECTED_ENVELOPE, postgres_database, prepare

KILLS = int(os.environ.get("INTAKE_KILL_POINTS", "50"))
#: The longest a kill waits after the first update a run handled (drawn uniformly).
KILL_WITHIN = 1.5
#: A run's wait for its first handled update, generously (a start takes a few seconds).
START_WAIT = 60.0


def _until(condition: Callable[[], bool], what: str, timeout: float = WAIT,
           bot: BotProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if bot is not None and not bot.alive():
            raise AssertionError(f"the bot stopped while waiting for {what}:\n"
                                 f"{bot.output()[-3000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


# -- the window: confirmed to Telegram, not yet handled -----------------------------------
def test_an_update_confirmed_but_not_handled_when_killed_takes_effect_after_restart(
        tmp_path: Path) -> None:
    referrer = REFERRERS[0]
    with postgres_database("confirmed") as url, LoopbackBotAPI(lifetime=300.0) as api:
        env = child_env(api, tmp_path / "unused.sqlite3", DATABASE_URL=url)
        prepare(env, [referrer], FOCAL)
        engine = make_engine(url)
        first, second = tmp_path / "first", tmp_path / "second"
        first.mkdir()
        second.mkdir()
        try:
            with intake_run([], env, first) as bot, engine.connect() as holder:
                api.wait_for(lambda c: c.method == "getUpdates", what="the first poll")
                # The database is busy for this chat: its lock is held here, so the update
                # is stored and claimed, then waits for the lock.
                assert holder.execute(select(func.pg_advisory_lock(
                    NAMESPACE, _key(referrer)))).first() is not None
                holder.commit()
                update_id, _ = api.text(referrer, "/new")
                api.wait_for(lambda c: c.method == "getUpdates" and int(
                    c.value("offset") or 0) > update_id, what="the confirming getUpdates")

                def claimed() -> bool:
                    with engine.connect() as db:
                        return db.execute(text(
                            "SELECT claimed_by FROM inbox WHERE update_id = :u"),
                            {"u": update_id}).scalar() is not None
                _until(claimed, "the update's claim", bot=bot)
                bot.process.send_signal(signal.SIGKILL)
                bot.process.wait(timeout=WAIT)
                assert api.updates == []  # the server has forgotten it
                assert not api.sent("sendMessage", referrer)  # and it was not handled
                holder.execute(select(func.pg_advisory_unlock_all()))
                holder.commit()
            mark = api.mark()
            with intake_run([], env, second):
                reply = api.wait_for(
                    lambda c: c.method == "sendMessage" and c.chat_id == referrer
                    and bool(c.buttons()), since=mark, what="the intake's first question")
                assert reply.buttons()
            with engine.connect() as db:
                assert db.execute(text("SELECT count(*) FROM processed_updates "
                                       "WHERE update_id = :u"), {"u": update_id}).scalar() == 1
                assert db.execute(text("SELECT count(*) FROM inbox")).scalar() == 0
            redelivered = [u for c in api.snapshot()[mark:] if c.method == "getUpdates"
                           for u in (c.result or [])]
            assert redelivered == []  # nobody sent it again: it came from the inbox
        finally:
            engine.dispose()


# -- fifty kills at random moments ----------------------------------------------------------
def _check(env: dict[str, str]) -> None:
    storage = Storage.from_settings(Settings.from_env(env))
    try:
        with storage.engine.connect() as db:
            rows = db.execute(text("SELECT id, code, referrer_id, agency FROM referrals")).all()
            cards = db.execute(text("SELECT referral_id, sent_at FROM reminders "
                                    "WHERE kind = 'card'")).all()
            open_conversations = db.execute(text("SELECT count(*) FROM conversations")).scalar()
            left = db.execute(text("SELECT count(*) FROM inbox")).scalar()
        records = [storage.referrals.get(row.code) for row in rows]
        contacts = [storage.referrals.reveal_contact(row.code) for row in rows]
    finally:
        storage.close()
    assert len(rows) == len(REFERRERS)  # one referral per intake: none lost, none twice
    assert len({row.referrer_id for row in rows}) == len(REFERRERS)
    assert {row.agency for row in rows} == {"example_health"}
    # Every answer landed at its own step (a /back handled twice would shift them).
    assert all(r is not None and r.envelope == EXPECTED_ENVELOPE for r in records)
    assert contacts == [{"phone": PHONE}] * len(REFERRERS)
    assert sorted(c.referral_id for c in cards) == sorted(row.id for row in rows)
    assert all(c.sent_at is not None for c in cards)  # every card reached the agency
    assert open_conversations == 0  # every intake finished
    assert left == 0  # nothing left in the inbox


def _cards_sent(env: dict[str, str]) -> Callable[[], bool]:
    engine = make_engine(env["DATABASE_URL"])

    def sent() -> bool:
        """Every card of every referral sent (how many referrals there are is checked
        after)."""
        with engine.connect() as db:
            return bool(db.execute(text(
                "SELECT count(*) > 0 AND count(sent_at) = count(*) FROM reminders "
                "WHERE kind = 'card'")).scalar())
    return sent


def test_killed_at_fifty_moments_mid_update_the_bot_loses_and_duplicates_nothing(
        tmp_path: Path) -> None:
    chance = random.Random(20261129)
    kills = rounds = 0
    landed: Counter[str] = Counter()
    while kills < KILLS:
        rounds += 1
        folder = tmp_path / f"round{rounds}"
        folder.mkdir()
        with LoopbackBotAPI(lifetime=900.0) as api:
            env = child_env(api, folder / "intake.sqlite3")
            codec, _ = prepare(env, list(REFERRERS), FOCAL)
            storage = Storage.from_settings(Settings.from_env(env))
            people = People.of(api, storage, codec)
            try:
                run = 0
                while True:
                    run += 1
                    workdir = folder / f"run{run}"
                    workdir.mkdir()
                    with intake_run([], env, workdir) as bot:
                        # The kill clock starts at the first update this run handles.
                        deadline = time.monotonic() + START_WAIT
                        while not people.pump() and not people.done:
                            assert bot.alive(), bot.output()[-3000:]
                            assert time.monotonic() < deadline, "no update was handled"
                            time.sleep(0.005)
                        kill_at = time.monotonic() + chance.uniform(0.0, KILL_WITHIN)
                        while not people.done and time.monotonic() < kill_at:
                            people.pump()
                            time.sleep(0.005)
                        if not people.done and kills < KILLS:
                            bot.process.send_signal(signal.SIGKILL)
                            bot.process.wait(timeout=WAIT)
                            kills += 1
                            landed["in flight" if people.in_flight() else "idle"] += 1
                            continue
                        deadline = time.monotonic() + 240.0
                        while not people.done:
                            assert time.monotonic() < deadline, "the intakes never ended"
                            assert bot.alive(), bot.output()[-3000:]
                            people.pump()
                            time.sleep(0.005)
                        _until(_cards_sent(env), "every card sent", bot=bot)
                    assert bot.process.returncode == 0, bot.output()[-3000:]
                    break
            finally:
                storage.close()
            _check(env)
            assert len(people.sent) == len(set(people.sent))  # nothing was sent twice
    print(f"{kills} kills in {rounds} rounds: {dict(landed)}")
    # The kills fell while updates were being handled, not during start-up.
    assert landed["in flight"] >= 40 * KILLS // 50, landed
