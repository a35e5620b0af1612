"""The update inbox keeps each update once, encrypted, and hands out each chat's updates one
at a time and oldest first, to any number of claimers, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from storage.crypto import Cipher
from storage.inbox import LEASE
from storage.stores import Storage
from tests.storage.conftest import NOW

A, B, C = 101, 202, 303


def update(update_id: int, chat: int, words: str = "hello") -> tuple[int, int, dict[str, object]]:
    return update_id, chat, {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "text": words,
        "chat": {"id": chat, "type": "private"}}}


def ids(claimed: object) -> list[int]:
    return [c.update_id for c in claimed]  # type: ignore[attr-defined]


def test_an_update_is_stored_once_encrypted_and_comes_back_whole(
        storage: Storage, database: Engine) -> None:
    inbox = storage.inbox
    assert inbox.store([update(1, A, "my phone is 0555"), update(2, B)], NOW) == 2
    assert inbox.store([update(1, A, "my phone is 0555"), update(3, A)], NOW) == 1  # a resend
    with database.connect() as db:
        bodies = [str(b) for b in db.execute(text("SELECT body FROM inbox")).scalars()]
    assert len(bodies) == 3 and not any("0555" in b or "hello" in b for b in bodies)
    claimed = inbox.claim("w1", 10, NOW)
    assert ids(claimed) == [1, 2]
    assert claimed[0].chat_id == A and claimed[0].update == update(1, A, "my phone is 0555")[2]


def test_an_update_already_handled_is_not_stored_again(storage: Storage) -> None:
    assert storage.updates.first_time(5, NOW)
    assert storage.inbox.store([update(5, A), update(6, A)], NOW) == 1
    assert storage.inbox.pending() == 1
    assert storage.inbox.highest() == 6


def test_highest_counts_handled_ids_after_their_rows_are_gone(storage: Storage) -> None:
    assert storage.inbox.highest() is None
    storage.inbox.store([update(7, A)], NOW)
    storage.inbox.claim("w1", 0, NOW, done=[7])
    storage.updates.first_time(7, NOW)
    assert storage.inbox.pending() == 0 and storage.inbox.highest() == 7


def test_each_chat_gives_its_oldest_update_and_nothing_while_one_is_in_progress(
        storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A), update(2, A), update(3, B), update(4, C), update(5, B)], NOW)
    assert ids(inbox.claim("w1", 10, NOW)) == [1, 3, 4]
    assert ids(inbox.claim("w2", 10, NOW)) == []  # A and B are in progress, C is empty
    # A's first is done: its next is handed out in the transaction that deletes it.
    assert ids(inbox.claim("w2", 10, NOW, done=[1])) == [2]
    assert ids(inbox.claim("w1", 10, NOW, done=[3, 4])) == [5]
    assert ids(inbox.claim("w1", 10, NOW, done=[2, 5])) == []
    assert inbox.pending() == 0


def test_a_claim_takes_at_most_its_limit_oldest_chats_first(storage: Storage) -> None:
    storage.inbox.store([update(n, 1000 + n) for n in range(1, 8)], NOW)
    assert ids(storage.inbox.claim("w1", 3, NOW)) == [1, 2, 3]
    assert ids(storage.inbox.claim("w2", 0, NOW)) == []
    assert ids(storage.inbox.claim("w2", 10, NOW)) == [4, 5, 6, 7]


def test_a_claim_left_by_a_vanished_process_is_taken_over_after_the_lease(
        storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A), update(2, A)], NOW)
    assert ids(inbox.claim("gone", 10, NOW)) == [1]
    assert ids(inbox.claim("w2", 10, NOW + LEASE - timedelta(seconds=1))) == []
    assert not inbox.claimable(NOW + LEASE - timedelta(seconds=1))
    assert inbox.claimable(NOW + LEASE + timedelta(seconds=1))
    assert ids(inbox.claim("w2", 10, NOW + LEASE + timedelta(seconds=1))) == [1]


def test_released_claims_are_handed_out_again_oldest_first(storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A), update(2, B), update(3, A)], NOW)
    inbox.claim("host:1:dead", 1, NOW)
    inbox.claim("host:2:live", 1, NOW)
    assert sorted(inbox.claimers()) == ["host:1:dead", "host:2:live"]
    assert inbox.release(["host:1:dead"]) == 1
    assert inbox.release([]) == 0
    assert ids(inbox.claim("w3", 10, NOW)) == [1]
    assert sorted(inbox.claimers()) == ["host:2:live", "w3"]


def test_a_released_worker_holds_no_claim_any_more(storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A), update(2, B)], NOW)
    assert ids(inbox.claim("host:1:dead", 10, NOW)) == [1, 2]
    assert inbox.release(["host:1:dead"]) == 2
    assert inbox.claimers() == [] and inbox.release(["host:1:dead"]) == 0


def test_storing_and_claiming_at_once_drops_the_rows_handled_and_frees_their_chat(
        storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A)], NOW)
    assert ids(inbox.claim("w1", 10, NOW)) == [1]
    stored, claimed = inbox.store_and_claim([update(2, A)], NOW, "w1", 10, done=[1])
    assert (stored, ids(claimed), inbox.pending()) == (1, [2], 1)


def test_a_worker_s_name_is_kept_to_the_column_s_96_characters(storage: Storage) -> None:
    inbox = storage.inbox
    inbox.store([update(1, A)], NOW)
    name = "host-" + "x" * 200
    assert ids(inbox.claim(name, 1, NOW)) == [1]
    assert inbox.claimers() == [name[:96]]


def test_the_same_chat_stored_twice_is_handled_in_order_by_two_claimers(
        storage: Storage, database: Engine, cipher: Cipher) -> None:
    """Two processes (two stores on one database): the second cannot take the chat's later
    update while the first has not finished the earlier one, even while the first's claim
    is not yet committed."""
    first, second = storage, Storage.on(database, cipher)
    first.inbox.store([update(1, A), update(2, A), update(3, B)], NOW)
    seen: list[list[int]] = []
    with first.context.unit():  # the first claim, still uncommitted
        assert ids(first.inbox.claim("p1", 1, NOW)) == [1]
        if database.dialect.name == "postgresql":  # SQLite: the write lock would wait
            worker = threading.Thread(target=lambda: seen.append(
                ids(second.inbox.claim("p2", 10, NOW))))
            worker.start()
            worker.join(timeout=30)
            assert seen == [[3]]  # B only: A's oldest is held, its next is not A's oldest
    assert ids(second.inbox.claim("p2", 10, NOW)) == ([] if seen else [3])
    assert ids(second.inbox.claim("p2", 10, NOW, done=[1])) == [2]


@pytest.mark.parametrize("limit", [1, 5])
def test_concurrent_claimers_never_share_an_update_nor_a_chat(
        storage: Storage, database: Engine, cipher: Cipher, limit: int) -> None:
    chats = [9000 + n for n in range(20)]
    storage.inbox.store([update(n + 1, chats[n % 20]) for n in range(60)], NOW)
    stores = [Storage.on(database, cipher) for _ in range(4)]
    handled: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def work(name: str, store: Storage) -> None:
        done: list[int] = []
        for _ in range(200):
            claimed = store.inbox.claim(name, limit, NOW, done)
            done = ids(claimed)
            with lock:
                handled.extend((name, c.chat_id, c.update_id) for c in claimed)
            if not claimed and store.inbox.pending() == 0:
                return

    threads = [threading.Thread(target=work, args=(f"p{n}", s)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(u for _, _, u in handled) == list(range(1, 61))  # each once
    for chat in chats:  # each chat in order (claims are appended as they commit)
        order = [u for _, c, u in handled if c == chat]
        assert order == sorted(order), chat
