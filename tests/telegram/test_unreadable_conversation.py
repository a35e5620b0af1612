"""A chat whose stored conversation the keys cannot decrypt (written under a key since
dropped) can still /cancel and /forget: the unreadable row goes and the chat is free for
/new; any other input leaves it alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select, update

from storage.crypto import Cipher, generate_key
from storage.models import Conversation
from tests.telegram.harness import Harness

REFERRER = 501


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


def unreadable(p: Harness) -> None:
    """Seal the open conversation with a key the product does not hold."""
    stranger = Cipher([generate_key()])
    with p.services.storage.engine.begin() as db:
        assert db.execute(update(Conversation).where(Conversation.chat_id == REFERRER)
                          .values(state=stranger.encrypt('{"x": 1}'))).rowcount == 1


def conversations(p: Harness) -> int:
    with p.services.storage.engine.connect() as db:
        return int(db.scalar(select(func.count()).select_from(Conversation)) or 0)


@pytest.mark.parametrize(("command", "reply"), [
    ("/cancel", "No intake is open. Send /new to start one."),
    ("/forget", "There was no intake in progress."),
])
async def test_cancel_and_forget_clear_a_conversation_that_cannot_be_read(
        product: Harness, command: str, reply: str) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    unreadable(p)
    await p.text(REFERRER, command)
    assert conversations(p) == 0
    assert p.texts_to(REFERRER)[-1] == reply
    await p.text(REFERRER, "/new")  # the chat is free again
    assert conversations(p) == 1


async def test_other_input_does_not_delete_what_cannot_be_read(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    unreadable(p)
    await p.text(REFERRER, "some answer")
    assert conversations(p) == 1
