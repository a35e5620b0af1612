"""Logging: whatever any library logs at any level, no token, message text, answer or contact
reaches a line; the product's fields are printed, as text or as JSON."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot import logs
from bot.settings import Settings, SettingsError
from tests.telegram.harness import Harness, settings_for
from tests.telegram.test_end_to_end import FOCAL, PHONE, REFERRER, complete_intake

TOKEN = "7301234567:AAHfQ3x-Secret_Part_Of_The_Token_1234"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put back the root handlers and every logger level ``configure`` changes."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = [*logs.QUIET, *logs.SILENT]
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def configured(level: str = "DEBUG", form: str = "text", **more: Any) -> io.StringIO:
    out = io.StringIO()
    settings = dataclasses.replace(Settings.from_env({}), log_level=level, log_format=form,
                                   bot_token=TOKEN, **more)
    logs.configure(settings, out)
    return out


@pytest_asyncio.fixture
async def product(tmp_path: Path, restore_logging: None) -> AsyncIterator[Harness]:
    settings = dataclasses.replace(settings_for(tmp_path), bot_token=TOKEN)
    harness = await Harness.start(tmp_path, settings)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(FOCAL, "focal_point", agency="example_health")
    yield harness
    await harness.stop()


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_a_whole_referral_at_any_level_logs_no_token_text_answer_or_contact(
        product: Harness, level: str) -> None:
    p = product
    out = configured(level)
    logging.getLogger("telegram.ext.Application").debug("Processing update %s",
                                                        {"text": PHONE})
    code = await complete_intake(p)
    await p.tick()
    await p.choose(FOCAL, "accept")
    await p.choose(FOCAL, "reveal")  # the phone number goes out to the focal point
    assert any(PHONE in t for t in p.texts_to(FOCAL))
    log = out.getvalue()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    for sensitive in (PHONE, PHONE.replace(" ", ""), "555 123 4567"):
        assert sensitive not in log
    sent = [t for chat in (REFERRER, FOCAL) for t in p.texts_to(chat)]
    assert sent and not [t for t in sent if t in log]
    for fragment in ("Referral sent", "Case deadline", "Health care", "Female", "60 or older",
                     "gaziantep", "in_person", "mobility", "no_income"):
        assert fragment not in log, fragment
    assert code  # the referral really went through
    if level == "DEBUG":  # the libraries' own DEBUG logging did run, and was redacted
        assert "Calling Bot API endpoint `sendMessage` with parameters `[redacted]`" in log
        assert "Processing update [redacted]" in log
    else:
        assert "Calling Bot API endpoint" not in log


def record(name: str, msg: Any, args: Any = None, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


@pytest.mark.parametrize(("name", "msg", "args", "expected"), [
    ("telegram._bot", "Calling Bot API endpoint `%s` with parameters `%s`",
     ("sendMessage", {"chat_id": 5, "text": "Amina, +90 555 123 4567"}),
     "Calling Bot API endpoint `sendMessage` with parameters `[redacted]`"),
    ("telegram.ext.Application", "Processing update %s", ({"message": {"text": "hi"}},),
     "Processing update [redacted]"),
    ("httpx", 'HTTP Request: %s %s "%s %d %s"',
     ("POST", f"https://api.telegram.org/bot{TOKEN}/getUpdates", "HTTP/1.1", 200, "OK"),
     'HTTP Request: POST [redacted] "[redacted] 200 OK"'),
    ("telegram._bot", "Set Bot API URL: %s", (f"https://api.telegram.org/bot{TOKEN}",),
     "Set Bot API URL: [redacted]"),
    ("telegram._bot", {"text": "an object as the message"}, None, "[redacted]"),
    ("uvicorn.error", f"token in the pattern itself: {TOKEN}", None,
     "token in the pattern itself: [redacted]"),
    ("intake.startup", "telegram unreachable (%s), retrying in %s s (attempt %d)",
     (f"ConnectError: https://x/bot{TOKEN}/getMe", 2, 1),
     "telegram unreachable (ConnectError: https://x/bot[redacted]/getMe), retrying in 2 s "
     "(attempt 1)"),
])
def test_each_value_a_library_logs_is_redacted_and_every_token_cut(
        name: str, msg: Any, args: Any, expected: str) -> None:
    made = record(name, msg, args)
    assert logs.Redactor([TOKEN]).filter(made)
    assert made.getMessage() == expected


def test_a_library_field_that_is_not_a_number_or_a_name_is_redacted() -> None:
    made = record("telegram.ext", "x", None, chat="Amina Y.", count=3, kind="sendMessage")
    logs.Redactor().filter(made)
    fields = vars(made)
    assert (fields["chat"], fields["count"], fields["kind"]) == ("[redacted]", 3, "sendMessage")


def test_a_traceback_loses_the_token(restore_logging: None) -> None:
    out = configured("INFO")
    try:
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/getMe")
    except RuntimeError:
        logging.getLogger("telegram.ext.Updater").exception("failed")
    assert "RuntimeError: failed calling https://api.telegram.org/bot[redacted]/getMe" in \
        out.getvalue()
    assert TOKEN not in out.getvalue()


def test_the_product_fields_are_printed_as_key_value(restore_logging: None) -> None:
    out = configured("INFO")
    logging.getLogger("intake.worker").info(
        "retention_purged", extra={"referrals": 3, "sessions": 0, "reason": "two words"})
    line = out.getvalue().strip()
    assert line.endswith(' INFO intake.worker retention_purged referrals=3 sessions=0 '
                         'reason="two words"'), line


def test_json_format_gives_one_object_a_line_with_the_fields(restore_logging: None) -> None:
    out = configured("INFO", "json")
    logging.getLogger("intake.worker").info("retention_purged",
                                            extra={"referrals": 3, "sessions": 1})
    logging.getLogger("telegram._bot").warning("odd %s", "a b c")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["at"].endswith("Z")
    assert {k: v for k, v in first.items() if k != "at"} == {
        "level": "INFO", "logger": "intake.worker", "event": "retention_purged",
        "referrals": 3, "sessions": 1}
    assert second["event"] == "odd [redacted]"


def test_each_configured_secret_is_cut_from_product_lines(restore_logging: None) -> None:
    key = "k" * 44
    out = configured("INFO", webhook_secret="hook-secret-123", keys=(key,))
    logging.getLogger("intake.x").info("seen %s %s", "hook-secret-123", key,
                                       extra={"what": key})
    assert out.getvalue().split(" ", 3)[3].strip() == \
        "seen [redacted] [redacted] what=[redacted]"


def test_configuring_twice_leaves_one_handler(restore_logging: None) -> None:
    configured("INFO")
    out = configured("INFO")
    logging.getLogger("intake.x").warning("once")
    assert out.getvalue().count("once") == 1
    assert sum(getattr(h, "_intake", False) for h in logging.getLogger().handlers) == 1


@pytest.mark.parametrize(("value", "expected"), [(None, "text"), ("json", "json"),
                                                 ("JSON", "json"), ("text", "text")])
def test_the_log_format_is_read(value: str | None, expected: str) -> None:
    env = {"INTAKE_LOG_FORMAT": value} if value is not None else {}
    assert Settings.from_env(env).log_format == expected


def test_a_bad_log_format_names_the_good_ones() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"INTAKE_LOG_FORMAT": "xml"})
    assert str(error.value) == "INTAKE_LOG_FORMAT must be one of text, json, not 'xml'"
