"""Typed settings, read in one place (and nowhere else).

Where they come from, the same from any working directory: the process environment, over
one settings file read with python-dotenv. That file is the one ``INTAKE_ENV_FILE`` names,
else ``.env`` in the working directory, else ``.env`` in the data directory
(``INTAKE_DATA_DIR``, default ``$XDG_DATA_HOME/intake`` or ``~/.local/share/intake``), which
also holds the default SQLite database. ``.env.example`` lists every setting.

Secrets (encryption keys, the blind-index key) are held here as given, kept out of
``repr`` so a settings object printed in a traceback or a log shows none of them. They
are checked where they are used (``storage.crypto``), so commands that need no database,
such as ``intake chat`` or ``intake flows check``, run without any key configured.
"""

from __future__ import annotations

import io
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv.parser import parse_stream

from bot.directory import SAMPLE as SAMPLE_DIRECTORY
from bot.flows.library import BUNDLED as BUNDLED_FLOWS
from bot.i18n.texts import DEFAULT_LOCALES

#: The settings file looked for in the working directory, then in the data directory.
ENV_FILE = ".env"
#: The default database: this SQLite file in the data directory.
DATABASE_FILE = "intake.sqlite3"
DEFAULT_RETENTION_DAYS = 90
DEFAULT_IDLE_MINUTES = 30
DEFAULT_BOT_API = "https://api.telegram.org"
DEFAULT_REVEAL_SECONDS = 120
DEFAULT_WORKER_SECONDS = 15
#: The worker loop purges once a day; 0 turns it off (the operator runs ``intake purge``).
DEFAULT_PURGE_HOURS = 24
PURGE_HOURS = "INTAKE_PURGE_HOURS"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LOG_LEVEL = "INFO"
#: ``text``: one line per event with its fields as key=value; ``json``: one object a line.
LOG_FORMATS = ("text", "json")
CONSOLE_LISTEN = "INTAKE_CONSOLE_LISTEN"
PUBLIC_URL = "INTAKE_PUBLIC_URL"
TRUSTED_PROXIES = "INTAKE_TRUSTED_PROXIES"
#: What turns the console's listener off.
OFF = "off"
#: Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: uvicorn's default.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1",)


@dataclass(frozen=True)
class Listen:
    """An address to listen on: a host name or IP address, and a port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def url(self) -> str:
        """The plain-HTTP base URL of this address as seen from the same machine (a
        wildcard address is reached on the loopback one)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://{Listen(host, self.port)}"


#: The web console, ``/metrics`` and a second ``/healthz`` (never on the webhook's port).
DEFAULT_CONSOLE_LISTEN = Listen("127.0.0.1", 8081)


class SettingsError(ValueError):
    """A setting is present but unusable; the message names the variable to fix."""


def default_data_dir(env: Mapping[str, str]) -> Path:
    """``INTAKE_DATA_DIR``, else ``intake`` in the XDG data home of the user running it."""
    given = _text(env, "INTAKE_DATA_DIR")
    if given is not None:
        path = Path(given).expanduser()
        if not path.is_absolute():
            raise SettingsError(f"INTAKE_DATA_DIR must be an absolute path, not {given!r} "
                                "(a relative one would change with the working directory)")
        return path
    xdg = _text(env, "XDG_DATA_HOME")
    if xdg is not None and Path(xdg).is_absolute():  # the XDG rule: ignore a relative one
        return Path(xdg) / "intake"
    home = _text(env, "HOME")
    return (Path(home) if home is not None else Path.home()) / ".local" / "share" / "intake"


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DATABASE_FILE}"


@dataclass(frozen=True)
class Settings:
    flows: tuple[Path, ...]
    locales: Path
    directory: Path
    default_language: str
    database_url: str = field(default_factory=lambda: default_database_url(
        default_data_dir({})))
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
    #: The bot's @username without the @, for the deep links of invitations.
    bot_username: str | None = None
    log_level: str = DEFAULT_LOG_LEVEL
    log_format: str = "text"
    #: Holds the default database and, optionally, the settings file.
    data_dir: Path = field(default_factory=lambda: default_data_dir({}))
    #: The settings file that was read, if any (said by ``intake db current``).
    env_file: Path | None = None
    #: Where the web console, ``/metrics`` and ``/healthz`` listen; None: nowhere (``off``).
    console_listen: Listen | None = DEFAULT_CONSOLE_LISTEN
    #: The console's base URL as its users reach it (behind a proxy: its HTTPS address),
    #: without a trailing slash; sign-in links start with it.
    public_url: str = DEFAULT_CONSOLE_LISTEN.url()
    #: Addresses (or networks, or ``*``) of the proxies whose forwarded headers are trusted.
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 env_file: Path | None = None) -> Settings:
        """Settings from ``env``, or, without it, from the process environment over the
        settings file :func:`find_env_file` finds (the environment wins; no file is fine).
        Relative paths in settings are taken from the data directory, never from the
        working directory."""
        if env is None:
            env_file = find_env_file(os.environ)
            env = {**(read_env_file(env_file) if env_file else {}), **os.environ}
        data_dir = default_data_dir(env)
        flows = _text(env, "INTAKE_FLOWS")
        keys, keys_source = _keys(env, data_dir)
        console_listen = _console_listen(env)
        return cls(
            flows=tuple(data_dir / Path(p).expanduser() for p in flows.split(os.pathsep) if p)
            if flows else (BUNDLED_FLOWS,),
            locales=_path(env, "INTAKE_LOCALES", data_dir) or DEFAULT_LOCALES,
            directory=_path(env, "INTAKE_DIRECTORY", data_dir) or SAMPLE_DIRECTORY,
            default_language=_text(env, "INTAKE_DEFAULT_LANGUAGE") or "en",
            database_url=_text(env, "DATABASE_URL") or default_database_url(data_dir),
            keys=keys,
            keys_source=keys_source,
            index_key=_text(env, "INTAKE_INDEX_KEY"),
            retention_days=_positive_int(env, "INTAKE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
            idle_minutes=_positive_int(env, "INTAKE_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
            bot_token=_text(env, "INTAKE_BOT_TOKEN"),
            bot_api_url=(_text(env, "INTAKE_BOT_API_URL") or DEFAULT_BOT_API).rstrip("/"),
            webhook_secret=_text(env, "INTAKE_WEBHOOK_SECRET"),
            callback_key=_text(env, "INTAKE_CALLBACK_KEY"),
            reveal_seconds=_positive_int(env, "INTAKE_REVEAL_SECONDS", DEFAULT_REVEAL_SECONDS),
            worker_seconds=_positive_int(env, "INTAKE_WORKER_SECONDS", DEFAULT_WORKER_SECONDS),
            purge_hours=_purge_hours(env),
            bot_username=_bot_username(env),
            log_level=_log_level(env),
            log_format=_log_format(env),
            data_dir=data_dir,
            env_file=env_file,
            console_listen=console_listen,
            public_url=_public_url(env, console_listen),
            trusted_proxies=_trusted_proxies(env),
        )


def find_env_file(environ: Mapping[str, str]) -> Path | None:
    """The file ``INTAKE_ENV_FILE`` names (it must exist), else ``.env`` in the working
    directory, else ``.env`` in the data directory, else none."""
    named = _text(environ, "INTAKE_ENV_FILE")
    if named is not None:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"INTAKE_ENV_FILE: no such file {path}")
        return path
    for path in (Path(ENV_FILE), default_data_dir(environ) / ENV_FILE):
        if path.is_file():
            return path.absolute()
    return None


def _text(env: Mapping[str, str], name: str) -> str | None:
    """A setting's value, stripped; an empty one counts as not set."""
    value = env.get(name)
    return (value.strip() or None) if value is not None else None


def _path(env: Mapping[str, str], name: str, data_dir: Path) -> Path | None:
    value = _text(env, name)
    return data_dir / Path(value).expanduser() if value is not None else None


def _bot_username(env: Mapping[str, str]) -> str | None:
    value = _text(env, "INTAKE_BOT_USERNAME")
    return (value.removeprefix("@") or None) if value is not None else None


def _log_level(env: Mapping[str, str]) -> str:
    value = _text(env, "INTAKE_LOG_LEVEL")
    if value is None:
        return DEFAULT_LOG_LEVEL
    if value.upper() not in LOG_LEVELS:
        raise SettingsError(f"INTAKE_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                            f"not {value!r}")
    return value.upper()


def _log_format(env: Mapping[str, str]) -> str:
    value = (_text(env, "INTAKE_LOG_FORMAT") or "text").lower()
    if value not in LOG_FORMATS:
        raise SettingsError(f"INTAKE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                            f"not {value!r}")
    return value


def _keys(env: Mapping[str, str], data_dir: Path) -> tuple[tuple[str, ...], str]:
    inline = _text(env, "INTAKE_KEYS")
    if inline is not None:
        return tuple(k.strip() for k in inline.split(",") if k.strip()), "INTAKE_KEYS"
    path = _path(env, "INTAKE_KEYS_FILE", data_dir)
    if path is None:
        return (), "INTAKE_KEYS"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"INTAKE_KEYS_FILE: cannot read {path}: {exc.strerror}") from None
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    keys = tuple(k.strip() for line in lines for k in line.split(",") if k.strip())
    return keys, f"INTAKE_KEYS_FILE ({path})"


def parse_listen(value: str) -> Listen:
    """``HOST:PORT`` (an IPv6 address in brackets, ``[::1]:8081``) as a :class:`Listen`;
    ValueError when it is not one."""
    host, colon, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("an IPv6 address goes in brackets")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("not HOST:PORT")
    return Listen(host, int(port))


def _console_listen(env: Mapping[str, str]) -> Listen | None:
    value = _text(env, CONSOLE_LISTEN)
    if value is None:
        return DEFAULT_CONSOLE_LISTEN
    if value.lower() == OFF:
        return None
    try:
        return parse_listen(value)
    except ValueError:
        raise SettingsError(f"{CONSOLE_LISTEN} must be HOST:PORT (such as 127.0.0.1:8081, or "
                            f"[::1]:8081) or {OFF}, not {value!r}") from None


def _public_url(env: Mapping[str, str], listen: Listen | None) -> str:
    """``INTAKE_PUBLIC_URL`` without its trailing slash, else the console's own address."""
    value = _text(env, PUBLIC_URL)
    if value is None:
        return (listen or DEFAULT_CONSOLE_LISTEN).url()
    parts = urlsplit(value)
    # No path: the console's pages link to /console/..., at the root of its address.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.path.strip("/"):
        raise SettingsError(f"{PUBLIC_URL} must be the console's address as its users open "
                            f"it, without a path, such as https://console.example.org, not "
                            f"{value!r}")
    return value.rstrip("/")


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    value = _text(env, TRUSTED_PROXIES)
    if value is None:
        return DEFAULT_TRUSTED_PROXIES
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for part in found:
        if part == "*":
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(f"{TRUSTED_PROXIES} must list IP addresses or networks "
                                f"separated by commas (or *), and {part!r} is neither") from None
    return found


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
    """The settings in a ``.env`` file, read with python-dotenv: ``KEY=value`` lines, blank
    lines, ``#`` comments (also after a value), quotes and ``export``. Values are taken
    as written (no ``${VAR}`` expansion). A line that is not a setting is refused with its
    number, so a typo is never silently ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read the settings file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"the settings file {path} is not UTF-8 text") from None
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise SettingsError(f"{path}:{binding.original.line}: not a setting (write "
                                "NAME=value, or # before a comment)")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values
