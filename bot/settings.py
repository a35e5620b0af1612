"""Typed settings, read from the environment in one place (and nowhere else).

Secrets (encryption keys, the blind-index key) are held here as given, kept out of
``repr`` so a settings object printed in a traceback or a log shows none of them. They
are checked where they are used (``storage.crypto``), so commands that need no database,
such as ``intake chat`` or ``intake flows check``, run without any key configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.directory import SAMPLE as SAMPLE_DIRECTORY
from bot.flows.library import BUNDLED as BUNDLED_FLOWS
from bot.i18n.texts import DEFAULT_LOCALES

#: The embedded default: a SQLite file beside the working directory.
DEFAULT_DATABASE = Path("var") / "intake.sqlite3"
DEFAULT_RETENTION_DAYS = 90
DEFAULT_IDLE_MINUTES = 30
DEFAULT_BOT_API = "https://api.telegram.org"
DEFAULT_REVEAL_SECONDS = 120
DEFAULT_WORKER_SECONDS = 15
#: The worker loop purges once a day; 0 turns it off (the operator runs ``intake purge``).
DEFAULT_PURGE_HOURS = 24
PURGE_HOURS = "INTAKE_PURGE_HOURS"


class SettingsError(ValueError):
    """A setting is present but unusable; the message names the variable to fix."""


@dataclass(frozen=True)
class Settings:
    flows: tuple[Path, ...]
    locales: Path
    directory: Path
    default_language: str
    database_url: str = f"sqlite:///{DEFAULT_DATABASE}"
    #: Fernet keys, newest first: the first encrypts, all decrypt.
    keys: tuple[str, ...] = field(default=(), repr=False)
    #: Where ``keys`` came from, for error messages that say what to set.
    keys_source: str = "INTAKE_KEYS"
    index_key: str | None = field(default=None, repr=False)
    retention_days: int = DEFAULT_RETENTION_DAYS
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    bot_token: str | None = field(default=None, repr=False)
    #: A self-hosted Bot API server may stand in for Telegram's.
    bot_api_url: str = DEFAULT_BOT_API
    webhook_secret: str | None = field(default=None, repr=False)
    #: Signs inline buttons; derived from the index key when not given.
    callback_key: str | None = field(default=None, repr=False)
    reveal_seconds: int = DEFAULT_REVEAL_SECONDS
    worker_seconds: int = DEFAULT_WORKER_SECONDS
    #: Hours between the retention purges the bot runs itself; 0: never (cron runs it).
    purge_hours: int = DEFAULT_PURGE_HOURS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env``, or from the process environment over a ``.env`` file
        in the working directory (the environment wins; the file is optional)."""
        if env is None:
            env = {**read_env_file(Path(".env")), **os.environ}
        flows = env.get("INTAKE_FLOWS")
        keys, keys_source = _keys(env)
        return cls(
            flows=tuple(Path(p) for p in flows.split(os.pathsep) if p) if flows
            else (BUNDLED_FLOWS,),
            locales=Path(env.get("INTAKE_LOCALES", str(DEFAULT_LOCALES))),
            directory=Path(env.get("INTAKE_DIRECTORY", str(SAMPLE_DIRECTORY))),
            default_language=env.get("INTAKE_DEFAULT_LANGUAGE", "en"),
            database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}",
            keys=keys,
            keys_source=keys_source,
            index_key=env.get("INTAKE_INDEX_KEY") or None,
            retention_days=_positive_int(env, "INTAKE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
            idle_minutes=_positive_int(env, "INTAKE_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
            bot_token=env.get("INTAKE_BOT_TOKEN") or None,
            bot_api_url=(env.get("INTAKE_BOT_API_URL") or DEFAULT_BOT_API).rstrip("/"),
            webhook_secret=env.get("INTAKE_WEBHOOK_SECRET") or None,
            callback_key=env.get("INTAKE_CALLBACK_KEY") or None,
            reveal_seconds=_positive_int(env, "INTAKE_REVEAL_SECONDS", DEFAULT_REVEAL_SECONDS),
            worker_seconds=_positive_int(env, "INTAKE_WORKER_SECONDS", DEFAULT_WORKER_SECONDS),
            purge_hours=_purge_hours(env),
        )


def _keys(env: Mapping[str, str]) -> tuple[tuple[str, ...], str]:
    inline = env.get("INTAKE_KEYS", "")
    if inline.strip():
        return tuple(k.strip() for k in inline.split(",") if k.strip()), "INTAKE_KEYS"
    path = env.get("INTAKE_KEYS_FILE")
    if not path:
        return (), "INTAKE_KEYS"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"INTAKE_KEYS_FILE: cannot read {path}: {exc.strerror}") from None
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    keys = tuple(k.strip() for line in lines for k in line.split(",") if k.strip())
    return keys, f"INTAKE_KEYS_FILE ({path})"


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _whole_number(env, name, default)
    if value <= 0:
        raise SettingsError(f"{name} must be greater than zero, not {value}")
    return value


def _purge_hours(env: Mapping[str, str]) -> int:
    """Zero is a choice here, not a mistake: the operator purges by cron instead."""
    value = _whole_number(env, PURGE_HOURS, DEFAULT_PURGE_HOURS)
    if value < 0:
        raise SettingsError(f"{PURGE_HOURS} must be a number of hours, or 0 to leave the "
                            f"purge to `intake purge` (cron), not {value}")
    return value


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file; blank lines, ``#`` comments and surrounding
    quotes are allowed. A missing file is an empty mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values
