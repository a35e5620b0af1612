"""Cards and reveals sent to agencies are recorded with their chat encrypted; each comes due
for removal at its own time (a reveal), at once when its referral is erased or purged or
its member revoked, is claimed by one worker at a time and is done once; a message sent
while its referral is being erased is never left out of the erasure."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from bot.ports import CLOSED, ERASED_REASON, EXPIRED_REASON, REVOKED_REASON
from storage.agency_messages import SqlAgencyMessages
from storage.models import AgencyMessage
from storage.retention import erase, purge
from storage.stores import Storage
from tests.storage.builders import request
from tests.storage.conftest import NOW

FOCAL_CHAT, OTHER_CHAT = 7345123987, 7345123988
MINUTE = timedelta(minutes=1)


def focal(storage: Storage, chat: int = FOCAL_CHAT) -> int:
    return storage.staff.enrol(chat, "focal_point", agency="a", hub="gaziantep",
                               language="tr", at=NOW)


def referral(storage: Storage) -> str:
    return storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)


def due(storage: Storage, at: object = NOW) -> list[tuple[str, int, int, str, str]]:
    return [(m.code, m.chat_id, m.message_id, m.kind, m.reason)
            for m in storage.messages.pending() if m.sent_at <= at]  # type: ignore[operator]


def test_a_reveal_comes_due_at_its_time_and_is_taken_back_once(storage: Storage) -> None:
    member, code = focal(storage), referral(storage)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=11,
                            kind="reveal", at=NOW, remove_at=NOW + 2 * MINUTE)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10,
                            kind="card", at=NOW)
    assert storage.messages.claim_due("w1", NOW + MINUTE) == []
    [claimed] = storage.messages.claim_due("w1", NOW + 2 * MINUTE)
    assert (claimed.code, claimed.chat_id, claimed.message_id, claimed.kind, claimed.reason,
            claimed.language) == (code, FOCAL_CHAT, 11, "reveal", EXPIRED_REASON, "tr")
    assert storage.messages.claim_due("w2", NOW + 3 * MINUTE) == []  # held by w1
    storage.messages.done(claimed.id, "deleted", NOW + 2 * MINUTE)
    assert storage.messages.claim_due("w2", NOW + 60 * MINUTE) == []
    assert storage.messages.outcomes(code) == [("reveal", EXPIRED_REASON, "deleted"),
                                               ("card", None, None)]


def test_a_claim_whose_worker_died_is_taken_over_after_its_lease(storage: Storage) -> None:
    member, code = focal(storage), referral(storage)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=11,
                            kind="reveal", at=NOW, remove_at=NOW)
    assert len(storage.messages.claim_due("w1", NOW)) == 1
    assert storage.messages.claim_due("w2", NOW + MINUTE) == []
    assert len(storage.messages.claim_due("w2", NOW + 3 * MINUTE)) == 1


def test_the_chat_id_is_stored_encrypted(storage: Storage, database: Engine) -> None:
    member, code = focal(storage), referral(storage)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10,
                            kind="card", at=NOW)
    with database.connect() as connection:
        stored = connection.scalar(select(AgencyMessage.chat_id))
    assert stored and str(FOCAL_CHAT) not in stored


def test_erasure_makes_every_message_of_the_referral_due_and_no_other(
        storage: Storage) -> None:
    one, two = focal(storage), focal(storage, OTHER_CHAT)
    code, other = referral(storage), referral(storage)
    for member, chat in ((one, FOCAL_CHAT), (two, OTHER_CHAT)):
        storage.messages.record(code, staff_id=member, chat_id=chat, message_id=10,
                                kind="card", at=NOW)
    storage.messages.record(other, staff_id=one, chat_id=FOCAL_CHAT, message_id=12,
                            kind="card", at=NOW)
    done = erase(storage.context, code, at=NOW + MINUTE, actor="cli")
    assert done.messages == 2
    assert sorted(due(storage)) == [(code, FOCAL_CHAT, 10, "card", ERASED_REASON),
                                    (code, OTHER_CHAT, 10, "card", ERASED_REASON)]


def test_the_purge_makes_the_messages_of_what_it_erases_due(storage: Storage) -> None:
    member, code = focal(storage), referral(storage)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10,
                            kind="card", at=NOW)
    storage.referrals.append_event(code, CLOSED, at=NOW, actor="staff:1")
    dry = purge(storage.context, NOW + timedelta(days=91), older_than=timedelta(days=90),
                idle=MINUTE, dry_run=True)
    assert (dry.messages, due(storage)) == (1, [])
    report = purge(storage.context, NOW + timedelta(days=91), older_than=timedelta(days=90),
                   idle=MINUTE)
    assert report.messages == 1 and due(storage) == [(code, FOCAL_CHAT, 10, "card",
                                                      ERASED_REASON)]


def test_revoking_makes_the_members_messages_due_and_no_one_elses(storage: Storage) -> None:
    one, two, code = focal(storage), focal(storage, OTHER_CHAT), referral(storage)
    storage.messages.record(code, staff_id=one, chat_id=FOCAL_CHAT, message_id=10,
                            kind="card", at=NOW)
    storage.messages.record(code, staff_id=two, chat_id=OTHER_CHAT, message_id=20,
                            kind="card", at=NOW)
    assert storage.messages.revoked(one, NOW) == 1
    assert due(storage) == [(code, FOCAL_CHAT, 10, "card", REVOKED_REASON)]


@pytest.mark.parametrize("erased", [True, False], ids=["erased", "revoked"])
def test_a_message_sent_after_the_erasure_or_revocation_is_due_at_once(
        storage: Storage, erased: bool) -> None:
    member, code = focal(storage), referral(storage)
    if erased:
        erase(storage.context, code, at=NOW, actor="cli")
    else:
        storage.staff.set_active(member, False, NOW)
    storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10,
                            kind="card", at=NOW + MINUTE)
    reason = ERASED_REASON if erased else REVOKED_REASON
    assert due(storage, NOW + MINUTE) == [(code, FOCAL_CHAT, 10, "card", reason)]
    assert [m.message_id for m in storage.messages.claim_due("w", NOW + MINUTE)] == [10]


def test_a_card_shown_again_in_the_same_message_is_recorded_once(storage: Storage) -> None:
    member, code = focal(storage), referral(storage)
    for _ in range(2):
        storage.messages.record(code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10,
                                kind="card", at=NOW)
    assert len(storage.messages.outcomes(code)) == 1


def test_a_card_recorded_while_its_referral_is_being_erased_waits_and_comes_due(
        storage: Storage) -> None:
    """The erasure holds the referral's row until it commits; the recording waits for it
    and then sees the referral erased. Without that lock it would read the referral as not
    yet erased, and its card would stay in the chat."""
    member, code = focal(storage), referral(storage)
    erased, recorded = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def erasing() -> None:
        try:
            with storage.unit():
                erase(storage.context, code, at=NOW, actor="cli")
                erased.set()
                recorded.wait(timeout=1.0)  # the recording, if it does not wait, ends first
        except BaseException as error:  # reported below
            errors.append(error)

    def recording() -> None:
        erased.wait(timeout=10)
        try:
            SqlAgencyMessages(storage.context).record(
                code, staff_id=member, chat_id=FOCAL_CHAT, message_id=10, kind="card",
                at=NOW + MINUTE)
        finally:
            recorded.set()

    threads = [threading.Thread(target=erasing), threading.Thread(target=recording)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert due(storage, NOW + MINUTE) == [(code, FOCAL_CHAT, 10, "card", ERASED_REASON)]
