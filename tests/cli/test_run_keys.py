"""``intake run`` refuses keys that did not write the stored data, on one line naming the
setting and before any call to Telegram; ``intake keys rotate`` says how many invitations a
new index key invalidated."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.service.invites import Invite
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.keycheck import check_keys
from storage.stores import Storage
from tests.telegram.loopback import LoopbackBotAPI, child_env

NOW = datetime.now(UTC)


def stored(path: Path, keys: list[str], index: str, invites: int = 0) -> None:
    """A database whose canary was written with these keys, holding ``invites`` pending
    invitations."""
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher(keys, index))
    check_keys(storage.context, NOW)
    for n in range(invites):
        storage.invites.add(f"code-{n}", Invite("referrer", None, None,
                                                NOW + timedelta(days=1)), NOW)
    storage.close()


@pytest.mark.parametrize(("setting", "expected"), [
    ("INTAKE_KEYS", "error: INTAKE_KEYS does not decrypt the stored data"),
    ("INTAKE_INDEX_KEY", "error: INTAKE_INDEX_KEY is not the key the stored blind indexes "
                         "were made with"),
])
def test_run_with_other_keys_stops_on_one_line_before_calling_telegram(
        tmp_path: Path, setting: str, expected: str) -> None:
    database = tmp_path / "intake.sqlite3"
    with LoopbackBotAPI() as api:
        env = child_env(api, database)
        stored(database, [env["INTAKE_KEYS"]], env["INTAKE_INDEX_KEY"])
        env[setting] = generate_key()
        done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, timeout=120,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 2, done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and errors[0].startswith(expected), done.stderr
        assert done.stderr.strip().splitlines()[-1] == errors[0]
        assert errors[0].endswith("; the bot did not start")
        assert api.snapshot() == []  # not one request reached the Bot API


def test_rotate_says_how_many_invitations_to_issue_again(
        fresh_machine: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    keys, index = generate_key(), generate_key()
    fresh_machine.mkdir(parents=True)
    stored(fresh_machine / "intake.sqlite3", [keys], index, invites=3)
    monkeypatch.setenv("INTAKE_KEYS", keys)
    monkeypatch.setenv("INTAKE_INDEX_KEY", generate_key())
    assert main(["keys", "rotate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "INTAKE_INDEX_KEY changed: 3 pending invitations were invalidated (their codes "
        "cannot be re-indexed); issue them again with `intake staff invite`")
    assert main(["keys", "rotate"]) == 0
    assert "invalidated" not in capsys.readouterr().out
