"""Crash safety: the bot is killed with SIGKILL at random moments during intakes.

After every restart, conversations resume at the right step, no answer is lost, no referral
is duplicated, and every routed referral reaches its agency. ``INTAKE_KILL_POINTS`` raises
the number of kills (50 by default).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from storage.crypto import generate_key
from tests.telegram.crashdriver import REFERRERS, script

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("INTAKE_KILL_POINTS", "50"))


def _start(workdir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.telegram.crashdriver", str(workdir)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _fresh(workdir: Path) -> None:
    workdir.mkdir(parents=True)
    (workdir / "secrets.json").write_text(json.dumps({"key": generate_key(),
                                                      "index": generate_key()}))


def _progress(workdir: Path) -> int:
    path = workdir / "progress"
    return int(path.read_text()) if path.exists() else 0


def _check(workdir: Path) -> None:
    engine = create_engine(f"sqlite:///{workdir / 'intake.sqlite3'}")
    with engine.connect() as db:
        rows = db.execute(text("SELECT id, referrer_id, agency FROM referrals")).all()
        cards = db.execute(text("SELECT referral_id, sent_at FROM reminders "
                                "WHERE kind = 'card'")).all()
        open_conversations = db.execute(text("SELECT count(*) FROM conversations")).scalar()
    engine.dispose()
    assert len(rows) == len(REFERRERS)  # one referral per intake: none lost, none twice
    assert len({row.referrer_id for row in rows}) == len(REFERRERS)
    assert {row.agency for row in rows} == {"example_health"}
    assert sorted(c.referral_id for c in cards) == sorted(row.id for row in rows)
    assert all(c.sent_at is not None for c in cards)  # every card reached the agency
    assert open_conversations == 0  # every intake finished


def test_killed_at_fifty_random_moments_the_bot_loses_and_duplicates_nothing(
        tmp_path: Path) -> None:
    chance = random.Random(20261123)
    total = len(script())
    timing = tmp_path / "timing"
    _fresh(timing)
    began = time.monotonic()
    probe = _start(timing)
    assert probe.wait(timeout=300) == 0, probe.stderr.read().decode() if probe.stderr else ""
    full_run = time.monotonic() - began  # how long a whole run takes on this machine
    _check(timing)

    kills = rounds = 0
    while kills < KILLS:
        rounds += 1
        workdir = tmp_path / f"round{rounds}"
        _fresh(workdir)
        while True:
            process = _start(workdir)
            left = 1 - _progress(workdir) / total
            if kills < KILLS:
                time.sleep(chance.uniform(0.0, full_run * max(left, 0.2)))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    kills += 1
            process.wait(timeout=300)
            assert process.returncode in (0, -signal.SIGKILL), (
                process.stderr.read().decode() if process.stderr else "")
            if process.returncode == 0 and _progress(workdir) == total:
                break
        _check(workdir)
