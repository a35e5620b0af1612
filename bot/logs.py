"""Logging for ``intake run``: one handler on stderr, its fields printed, nothing personal.

What may reach a log line is decided here, on the handler, whatever a library logs and at
whatever ``INTAKE_LOG_LEVEL``:

- The product's own loggers (``intake.*``) log an event name and, in ``extra=``, counts and
  type names; those fields are printed (``key=value`` after the event, or members of the
  JSON object with ``INTAKE_LOG_FORMAT=json``).
- Every other logger (python-telegram-bot, httpx, uvicorn, ...) keeps its message pattern,
  but each value it puts into it is replaced by ``[redacted]`` unless it is a number or a
  short identifier (an endpoint name such as ``sendMessage``, an HTTP method). At DEBUG,
  python-telegram-bot logs the parameters of every call (what is sent to people) and every
  update (what they typed, their phone number); those arrive here as values and are dropped.
- The bot token and every other configured secret are cut out of every line, traceback
  included, and so is anything shaped like a bot token (``123456:AAE...``), wherever it
  comes from.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.settings import Settings

REDACTED = "[redacted]"
PRODUCT = "intake"
#: A Bot API token: the bot's numeric id, a colon, then the secret part.
TOKEN_SHAPE = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}")
#: A value a library may log as it is: an endpoint or method name, not free text.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,39}")
#: The attributes every LogRecord has; any other attribute came in through ``extra=``.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


def _safe_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and IDENTIFIER.fullmatch(value):
        return value
    return REDACTED


class Redactor(logging.Filter):
    """Makes every record safe to print; installed on the handler, so it sees the records
    of every logger, propagated ones included."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is cut whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len,
                               reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        product = record.name == PRODUCT or record.name.startswith(PRODUCT + ".")
        if not isinstance(record.msg, str):
            record.msg = REDACTED  # an object logged as the message: its repr holds anything
        if record.args and not product:
            if isinstance(record.args, tuple):
                record.args = tuple(_safe_value(a) for a in record.args)
            elif "%(" in str(record.msg):  # named placeholders
                record.args = {k: _safe_value(v) for k, v in record.args.items()}
            else:  # one mapping logged with %s: LogRecord unwrapped it from its tuple
                record.args = (REDACTED,)
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None  # the text below is what gets printed
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        for name, value in fields(record).items():
            if isinstance(value, str):
                setattr(record, name, self.scrub(value) if product else _safe_value(value))
            elif not isinstance(value, (bool, int, float)) and value is not None:
                setattr(record, name, REDACTED)
        return True


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was given with ``extra=``, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in STANDARD and not k.startswith("_")}


def _field_text(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or " " in text or "=" in text
                                                    or '"' in text) else text


class TextFormatter(logging.Formatter):
    """``2026-11-23T09:00:00Z INFO intake.worker retention_purged referrals=3 sessions=1``"""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{at} {record.levelname} {record.name} {record.getMessage()}"
        extra = " ".join(f"{k}={_field_text(v)}" for k, v in fields(record).items())
        if extra:
            line += " " + extra
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``at``, ``level``, ``logger``, ``event``, then the fields
    (and ``exception``, the traceback, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {"at": at.replace("+00:00", "Z"), "level": record.levelname,
                                 "logger": record.name, "event": record.getMessage()}
        for name, value in fields(record).items():
            entry.setdefault(name, value)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def secrets_of(settings: Settings) -> list[str | None]:
    """Every configured value that must never appear in a log line."""
    return [settings.bot_token, settings.webhook_secret, settings.index_key,
            settings.callback_key, *settings.keys]


#: Libraries whose loggers follow the chosen level only at DEBUG; above it they are held
#: at these levels (httpx logs a line per request at INFO, each one a Bot API URL).
QUIET: Mapping[str, int] = {"httpx": logging.WARNING, "telegram": logging.INFO}
#: Never useful to an operator, at any level: transport tracing and state-machine chatter.
SILENT: Mapping[str, int] = {"httpcore": logging.WARNING, "transitions": logging.WARNING,
                             "hpack": logging.WARNING,
                             "alembic.runtime.plugins": logging.WARNING}


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written, not when it was made."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger to ``stream`` (stderr) at ``settings.log_level`` in
    ``settings.log_format``, through the redacting filter; returns the handler. Replaces any
    handler a previous call installed, so calling it twice does not double lines."""
    handler: logging.Handler = (logging.StreamHandler(stream) if stream is not None
                                else _Stderr())
    handler.addFilter(Redactor(secrets_of(settings)))
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_intake", False)]:
        root.removeHandler(old)
    handler._intake = True  # type: ignore[attr-defined]  # marks it as this module's
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    for name, floor in QUIET.items():
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(floor, level))
    for name, floor in SILENT.items():
        logging.getLogger(name).setLevel(max(floor, level))
    return handler
