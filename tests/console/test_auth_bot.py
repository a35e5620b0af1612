"""/console in the bot: a coordinator gets a one-time sign-in link without a link preview,
which signs them in to the console; anyone else is told the console is for coordinators."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest_asyncio
from starlette.testclient import TestClient

from bot.console.app import build_console
from tests.telegram.harness import Harness, settings_for

COORDINATOR, HUB_COORDINATOR, REFERRER, FOCAL = 801, 802, 803, 804
PUBLIC = "https://console.example.org"


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    settings = settings_for(tmp_path)
    if hasattr(settings, "public_url"):
        settings = replace(settings, public_url=PUBLIC)  # type: ignore[call-arg]
    harness = await Harness.start(tmp_path, settings)
    harness.enrol(COORDINATOR, "coordinator", hub=None, language="en")
    harness.enrol(HUB_COORDINATOR, "coordinator", hub="gaziantep", language="tr")
    harness.enrol(REFERRER, "referrer")
    harness.enrol(FOCAL, "focal_point", agency="example_relief")
    yield harness
    await harness.stop()


def last_message(p: Harness, chat: int) -> dict[str, object]:
    [*_, call] = p.api.sent("sendMessage", chat)
    return call.params


def preview_disabled(params: dict[str, object]) -> bool:
    options = params.get("link_preview_options")
    options = json.loads(options) if isinstance(options, str) else options
    return isinstance(options, dict) and options.get("is_disabled") is True


async def test_a_coordinator_gets_a_link_without_preview_that_signs_them_in(
        product: Harness) -> None:
    await product.text(COORDINATOR, "/console")
    sent = last_message(product, COORDINATOR)
    assert preview_disabled(sent)
    found = re.search(rf"{re.escape(PUBLIC)}(/console/signin/[A-Za-z0-9_-]{{43}})$",
                      str(sent["text"]))
    assert found, sent["text"]
    assert "works once, for 10 minutes" in str(sent["text"])
    app = build_console(product.services)
    with TestClient(app, base_url="https://testserver") as browser:
        assert browser.post(found.group(1), follow_redirects=False).status_code == 303
        assert browser.get("/console/").status_code == 200
        assert browser.post(found.group(1), follow_redirects=False).status_code == 403
    staff = product.services.storage.staff.by_telegram(COORDINATOR)
    assert staff is not None
    trail = [(row.actor, row.action, row.subject)
             for row in product.services.storage.audit.search(actor=f"staff:{staff.id}")]
    assert (f"staff:{staff.id}", "console_link", f"staff:{staff.id}") in trail
    assert (f"staff:{staff.id}", "console_sign_in", None) in trail


async def test_the_link_message_is_in_the_coordinators_language(product: Harness) -> None:
    await product.text(HUB_COORDINATOR, "/console")
    text = str(last_message(product, HUB_COORDINATOR)["text"])
    english = "Your sign-in link to the web console"
    translated = product.services.texts.gettext("tr", english + ". It works once, for "
                                                "%(minutes)s minutes. Do not forward it.",
                                                minutes=10)
    assert text.startswith(translated) and "/console/signin/" in text


async def test_a_referrer_or_focal_point_gets_no_link(product: Harness) -> None:
    for chat in (REFERRER, FOCAL):
        await product.text(chat, "/console")
        sent = last_message(product, chat)
        assert "The web console is for coordinators" in str(sent["text"])
        assert "/console/signin/" not in str(sent["text"])
    assert product.services.storage.audit.search(action="console_link") == []


async def test_only_a_coordinators_help_mentions_the_console(product: Harness) -> None:
    for chat, mentioned in ((COORDINATOR, True), (REFERRER, False), (FOCAL, False)):
        await product.text(chat, "/help")
        text = str(last_message(product, chat)["text"])
        assert ("/console sends you a one-time sign-in link" in text) is mentioned, chat
