"""A card that cannot be taken back because the focal point blocked the bot is not marked
done: it stays pending and is tried again, the hub coordinator is asked once to have it
deleted, and it is taken back once the member unblocks the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.ports import Staff
from bot.telegram.worker import BLOCKED_RETRY
from storage.retention import erase
from tests.storage.builders import consent, request
from tests.telegram.harness import Harness

REFERRER, HEALTH, COORDINATOR = 501, 601, 701
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(HEALTH, "focal_point", agency="example_health")
    harness.enrol(COORDINATOR, "coordinator", agency="example_relief")
    yield harness
    await harness.stop()


def member(p: Harness, telegram_id: int) -> Staff:
    staff = p.services.storage.staff.by_telegram(telegram_id)
    assert staff is not None
    return staff


def erased(p: Harness, code: str) -> None:
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")


def revoked(p: Harness, code: str) -> None:
    p.services.storage.messages.revoked(member(p, HEALTH).id, p.clock.now())


def asked_to_delete(p: Harness, code: str) -> list[str]:
    return [t for t in p.texts_to(COORDINATOR) if t.startswith(f"Referral {code}: a message")]


@pytest.mark.parametrize("take_back", [erased, revoked], ids=["erasure", "revocation"])
async def test_a_card_in_a_blocked_chat_stays_pending_until_it_can_be_taken_back(
        product: Harness, take_back: Callable[[Harness, str], None]) -> None:
    p = product
    with p.services.storage.unit():
        code = p.services.referrals.submit(request(case_type="medical"),
                                           member(p, REFERRER), consent()).code
    await p.tick()  # the card reaches the focal point
    messages = p.services.storage.messages
    take_back(p, code)
    p.api.fail_next("deleteMessage", 403, BLOCKED)
    await p.tick()
    # Still in the chat: not done, marked blocked, due again later.
    assert [o for _, _, o in messages.outcomes(code)] == ["blocked"]
    assert [m.code for m in messages.pending(code)] == [code]
    assert asked_to_delete(p, code) == [
        f"Referral {code}: a message with its personal data could not be removed from the "
        f"chat of staff member {member(p, HEALTH).id}, who blocked the bot. The bot tries "
        "again every few hours; meanwhile, ask them to delete it."]

    tries = len(p.api.sent("deleteMessage", HEALTH))
    await p.tick()  # not due yet: nobody asks Telegram again
    assert len(p.api.sent("deleteMessage", HEALTH)) == tries

    p.clock.advance(hours=BLOCKED_RETRY / timedelta(hours=1))
    p.api.fail_next("deleteMessage", 403, BLOCKED)
    await p.tick()  # still blocked: tried, still pending, the coordinator not asked again
    assert len(p.api.sent("deleteMessage", HEALTH)) == tries + 1
    assert [o for _, _, o in messages.outcomes(code)] == ["blocked"]
    assert len(asked_to_delete(p, code)) == 1

    p.clock.advance(hours=BLOCKED_RETRY / timedelta(hours=1))
    await p.tick()  # unblocked: the card is taken out of the chat
    assert [o for _, _, o in messages.outcomes(code)] == ["deleted"]
    assert messages.pending(code) == []
    assert len(asked_to_delete(p, code)) == 1
