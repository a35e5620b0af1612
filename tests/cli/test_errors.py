"""Every command that fails for an expected reason (a missing or wrong key, a database missing
or behind, a bad setting, a bad option) says so on one line, ``error: ...``, exits 2, prints
no traceback and creates no database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage
from tests.storage.builders import request

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY, OTHER_KEY, INDEX = generate_key(), generate_key(), generate_key()
MISSING = ("no database at {db}: run `intake db upgrade` to create it, or set DATABASE_URL "
           "(or INTAKE_DATA_DIR) to where it is")
NO_KEY = ("no encryption key: set INTAKE_KEYS (comma-separated Fernet keys, newest first) or "
          "INTAKE_KEYS_FILE; `intake keys generate` prints a new key")
WRONG_KEY = ("a stored value cannot be decrypted with the configured keys: INTAKE_KEYS lacks "
             "the key it was encrypted with (keep old keys after the new one until `intake "
             "keys rotate` has run)")
BAD_LINE = "not a setting (write NAME=value, or # before a comment)"


@dataclass
class Machine:
    """The data directory, the working directory and the environment of one test."""

    data: Path
    here: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def db(self) -> Path:
        return self.data / "intake.sqlite3"

    def set(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)

    def keys(self, key: str = KEY) -> None:
        self.set(INTAKE_KEYS=key, INTAKE_INDEX_KEY=INDEX)

    def database(self, revision: str = "head") -> Storage:
        engine = make_engine(f"sqlite:///{self.db}")
        migrate.upgrade(engine, revision)
        return Storage.on(engine, Cipher([KEY], INDEX))


@pytest.fixture
def machine(fresh_machine: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    return Machine(fresh_machine, Path.cwd(), monkeypatch)


def referral_of_a_staff_member(machine: Machine) -> str:
    """A referral whose referrer's Telegram id is encrypted with KEY: erasing it decrypts."""
    storage = machine.database()
    staff = storage.staff.enrol(4242, "referrer", agency=None, hub=None, language="en", at=NOW)
    code = storage.referrals.create(request(), referrer_id=staff, agency="agency_b", at=NOW)
    storage.close()
    return code


def no_database(machine: Machine) -> None:
    machine.keys()


def old_database(machine: Machine) -> None:
    machine.keys()
    machine.database("0001").close()


def empty_database(machine: Machine) -> None:
    machine.keys()
    machine.data.mkdir()
    machine.db.touch()


def no_key(machine: Machine) -> None:
    machine.database().close()


def postgres_not_answering(machine: Machine) -> None:
    machine.keys()
    machine.set(DATABASE_URL="postgresql://intake@127.0.0.1:9/intake")


Setup = Callable[[Machine], object]
CASES: list[tuple[str, Setup, list[str], str]] = [
    ("purge, no database", no_database, ["purge"], MISSING),
    ("purge, dry run, no database", no_database, ["purge", "--dry-run"], MISSING),
    ("erase, no database", no_database, ["erase", "K7Q-4MX-2PY"], MISSING),
    ("report, no database", no_database, ["report"], MISSING),
    ("keys rotate, no database", no_database, ["keys", "rotate"], MISSING),
    ("staff list, no database", no_database, ["staff", "list"], MISSING),
    ("staff revoke, no database", no_database, ["staff", "revoke", "1"], MISSING),
    ("db current, no database", no_database, ["db", "current"], MISSING),
    ("purge, database behind", old_database, ["purge"],
     "the database at sqlite:///{db} is at revision 0001, not the latest {head}: run `intake "
     "db upgrade` first"),
    ("report, database behind", old_database, ["report"],
     "the database at sqlite:///{db} is at revision 0001, not the latest {head}: run `intake "
     "db upgrade` first"),
    ("staff list, database without tables", empty_database, ["staff", "list"],
     "the database at sqlite:///{db} has no tables: run `intake db upgrade` to create them"),
    ("staff list, no key", no_key, ["staff", "list"], NO_KEY),
    ("staff invite, no key", no_key, ["staff", "invite", "--role", "referrer"], NO_KEY),
    ("staff revoke, no key", no_key, ["staff", "revoke", "1"], NO_KEY),
    ("purge, no key", no_key, ["purge"], NO_KEY),
    ("erase, a wrong key", lambda m: m.keys(OTHER_KEY), ["erase", "{code}"], WRONG_KEY),
    ("purge, zero days", no_database, ["purge", "--older-than-days", "0"],
     "--older-than-days and --idle-minutes must be greater than zero"),
    ("keys rotate, zero batch", no_database, ["keys", "rotate", "--batch-size", "0"],
     "--batch-size must be greater than zero"),
    ("a bad number", lambda m: m.set(INTAKE_RETENTION_DAYS="soon"), ["purge"],
     "INTAKE_RETENTION_DAYS must be a whole number, not 'soon'"),
    ("a bad log level", lambda m: m.set(INTAKE_LOG_LEVEL="loud"), ["flows", "check"],
     "INTAKE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'"),
    ("a relative data directory", lambda m: m.set(INTAKE_DATA_DIR="var"), ["db", "current"],
     "INTAKE_DATA_DIR must be an absolute path, not 'var' (a relative one would change with "
     "the working directory)"),
    ("a settings file named but missing", lambda m: m.set(INTAKE_ENV_FILE="/nonexistent/env"),
     ["report"], "INTAKE_ENV_FILE: no such file /nonexistent/env"),
    ("a line of .env that is no setting",
     lambda m: (m.here / ".env").write_text("INTAKE_IDLE_MINUTES=5\nINTAKE_KEYS abc\n"),
     ["purge"], "{here}/.env:2: " + BAD_LINE),
    ("a service matrix that is not there", no_database,
     ["directory", "import-services", "/nonexistent/matrix.csv"],
     "cannot read /nonexistent/matrix.csv: No such file or directory"),
    ("a webhook without its secret", lambda m: m.set(INTAKE_BOT_TOKEN="123:ABC"),
     ["run", "--webhook"], "--webhook needs INTAKE_WEBHOOK_SECRET"),
    ("PostgreSQL not answering", postgres_not_answering, ["purge"],
     'the database cannot be used: connection failed: connection to server at "127.0.0.1", '
     "port 9 failed: Connection refused"),
]


@pytest.mark.parametrize(("setup", "argv", "message"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_an_expected_failure_is_one_error_line_and_exit_2(
        machine: Machine, setup: Setup, argv: list[str], message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = referral_of_a_staff_member(machine) if "{code}" in argv else ""
    setup(machine)
    existed = machine.db.exists()
    capsys.readouterr()
    assert main([arg.format(code=code) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    expected = message.format(db=machine.db, here=machine.here, head=migrate.head())
    assert err.splitlines()[-1] == f"error: {expected}"
    assert machine.db.exists() == existed  # nothing created on the way


def test_a_wrong_key_erases_nothing(machine: Machine) -> None:
    code = referral_of_a_staff_member(machine)
    machine.keys(OTHER_KEY)
    assert main(["erase", code]) == 2
    storage = machine.database()
    assert storage.referrals.get(code).status != "erased"
    storage.close()


def test_db_current_fails_a_readiness_check_on_a_database_behind(
        machine: Machine, capsys: pytest.CaptureFixture[str]) -> None:
    machine.database("0001").close()
    assert main(["db", "current"]) == 1
    assert capsys.readouterr().out == (f"sqlite:///{machine.db}: revision 0001, latest "
                                       f"{migrate.head()} (run `intake db upgrade`)\n")
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0


def test_a_cron_purge_from_another_directory_uses_the_data_directory_and_creates_nothing(
        machine: Machine, tmp_path: Path) -> None:
    """As cron runs it: another working directory, settings in the data directory's .env."""
    machine.data.mkdir()
    (machine.data / ".env").write_text(f"INTAKE_KEYS={KEY}   # the only key\n"
                                       f"INTAKE_INDEX_KEY={INDEX}\n")
    cron = tmp_path / "cron"
    cron.mkdir()
    command = [sys.executable, "-m", "bot", "purge"]
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "INTAKE_DATA_DIR": str(machine.data),
           "PYTHONPATH": str(root)}
    refused = subprocess.run(command, cwd=cron, env=env, capture_output=True, text=True,
                             check=False)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == f"error: {MISSING.format(db=machine.db)}\n"
    assert list(cron.iterdir()) == [] and not machine.db.exists()

    machine.database().close()
    done = subprocess.run(command, cwd=cron, env=env, capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("erased: personal data of 0 referral(s) closed over 90 days")
    assert list(cron.iterdir()) == []
