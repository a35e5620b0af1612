"""Retention and erasure: personal data goes, the counts stay; the bot's own purge runs
once per period whichever process asks; erasing a referral also erases the referrer's
conversation still in progress if, and only if, that conversation made it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.__main__ import main
from bot.ports import CLOSED, ERASED, NotFound, PurgeReport
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.jobs import last_run
from storage.models import ConsentRecord, Referral
from storage.retention import ERASURE_NOTICE, PURGE_JOB, erase, purge
from storage.stores import Storage
from tests.storage.builders import consent, request, session
from tests.storage.conftest import NOW, sqlite_url

DAY = timedelta(days=1)
#: What ``intake erase`` says last: the work it left to the running bot.
QUEUED = ("queued for the running bot: 0 card(s) and contact reveal(s) to remove from focal "
          "points' chats, and the notices (this command does not reach Telegram)\n")


def closed_referral(storage: Storage, closed_days_ago: int, **changes: object) -> str:
    closed_at = NOW - closed_days_ago * DAY
    code = storage.referrals.create(request(**changes), referrer_id=None, agency="a",
                                    at=closed_at - DAY)
    storage.referrals.append_event(code, "accepted", at=closed_at - DAY, actor="staff:1",
                                   reason="will call today")
    storage.referrals.append_event(code, CLOSED, at=closed_at, actor="staff:1")
    return code


def aggregates(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(Referral.code, Referral.hub, Referral.case_type, Referral.risk,
                   Referral.status).order_by(Referral.id))]


def test_purge_erases_personal_data_of_referrals_closed_past_retention_only(
        storage: Storage) -> None:
    old = closed_referral(storage, 91)
    recent = closed_referral(storage, 89)
    still_open = storage.referrals.create(request(), referrer_id=None, agency="a",
                                          at=NOW - 400 * DAY)
    report = purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30))
    assert report.referrals == 1
    erased = storage.referrals.get(old)
    assert erased.erased_at == NOW and erased.envelope == {} and erased.services == ()
    assert erased.status == CLOSED  # the count by status survives
    assert storage.referrals.reveal_contact(old) == {}
    assert [e.reason for e in storage.referrals.events(old)] == [None, None, None]
    for kept in (recent, still_open):
        assert storage.referrals.reveal_contact(kept) == {"phone": "+90 000 000 9999"}
    assert storage.audit.entries() == [(NOW, "purge", "erase", old)]


def test_purge_keeps_hub_case_type_risk_and_status_for_statistics(
        storage: Storage, database: Engine) -> None:
    closed_referral(storage, 100, hub="hatay", case_type="legal", risk="medium")
    before = aggregates(database)
    purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30))
    assert aggregates(database) == before


def test_purge_deletes_conversations_idle_longer_than_the_idle_time(storage: Storage) -> None:
    storage.sessions.save(1, session(name="x"), NOW - timedelta(minutes=31))
    storage.sessions.save(2, session(name="y"), NOW - timedelta(minutes=29))
    report = purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30))
    assert report.conversations == 1
    assert storage.sessions.load(1) is None and storage.sessions.load(2) is not None


def test_purge_forgets_update_ids_past_telegrams_retry_window(storage: Storage) -> None:
    storage.updates.first_time(1, NOW - 3 * DAY)
    storage.updates.first_time(2, NOW - timedelta(hours=1))
    assert purge(storage.context, NOW, older_than=90 * DAY,
                 idle=timedelta(minutes=30)).update_ids == 1
    assert storage.updates.first_time(1, NOW) and not storage.updates.first_time(2, NOW)


def test_a_dry_run_counts_but_changes_nothing(storage: Storage) -> None:
    code = closed_referral(storage, 91)
    storage.sessions.save(1, session(), NOW - DAY)
    report = purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30),
                   dry_run=True)
    assert (report.referrals, report.conversations, report.dry_run) == (1, 1, True)
    assert storage.referrals.reveal_contact(code) != {} and storage.sessions.load(1)
    assert storage.audit.entries() == []


def test_purging_twice_erases_nothing_new(storage: Storage) -> None:
    closed_referral(storage, 91)
    purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30))
    again = purge(storage.context, NOW + DAY, older_than=90 * DAY, idle=timedelta(minutes=30))
    assert again.referrals == 0


def test_erasing_by_code_marks_the_referral_and_queues_a_notice_to_its_agency(
        storage: Storage, database: Engine) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="agency_b",
                                    acknowledge_by=NOW + DAY, at=NOW - DAY, consent=consent())
    storage.reminders.schedule("acknowledge", NOW + timedelta(hours=1), code=code)
    done = erase(storage.context, code.lower(), at=NOW, actor="staff:9")
    assert (done.code, done.already, done.notices) == (code, False, ("agency_b",))
    record = storage.referrals.get(code)
    assert (record.status, record.erased_at, record.envelope) == (ERASED, NOW, {})
    assert storage.referrals.reveal_contact(code) == {}
    pending = storage.reminders.pending(code)
    assert [(r.kind, r.agency, r.due_at) for r in pending] == [
        (ERASURE_NOTICE, "agency_b", NOW)]
    assert storage.referrals.events(code)[-1].status == ERASED
    assert storage.audit.entries(code) == [(NOW, "staff:9", "erase", code)]
    with database.connect() as connection:
        assert connection.scalar(select(ConsentRecord.withdrawn_at)) == NOW
    assert aggregates(database)[0][1:4] == ("gaziantep", "medical", "high")


def test_erasing_twice_changes_nothing_and_queues_no_second_notice(storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    erase(storage.context, code, at=NOW, actor="cli")
    again = erase(storage.context, code, at=NOW + DAY, actor="cli")
    assert again.already and len(storage.reminders.pending(code)) == 1
    assert storage.referrals.get(code).erased_at == NOW


def test_erasing_a_purged_referral_still_records_the_withdrawal(storage: Storage) -> None:
    code = closed_referral(storage, 91)
    purge(storage.context, NOW, older_than=90 * DAY, idle=timedelta(minutes=30))
    done = erase(storage.context, code, at=NOW + DAY, actor="cli")
    assert not done.already and storage.referrals.get(code).status == ERASED


def test_erasing_an_unknown_code_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        erase(storage.context, "K7Q-4MX-2PY", at=NOW, actor="cli")


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Storage:
    key, index = generate_key(), generate_key()
    url = sqlite_url(tmp_path)
    for name, value in (("DATABASE_URL", url), ("INTAKE_KEYS", key),
                        ("INTAKE_INDEX_KEY", index)):
        monkeypatch.setenv(name, value)
    for name in ("INTAKE_RETENTION_DAYS", "INTAKE_IDLE_MINUTES", "INTAKE_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["db", "upgrade"]) == 0
    return Storage.on(make_engine(url), Cipher([key], index))


def test_intake_purge_dry_run_reports_counts_and_erases_nothing(
        cli_database: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    old = closed_referral(cli_database, 400)
    capsys.readouterr()
    assert main(["purge", "--dry-run", "--older-than-days", "30"]) == 0
    assert capsys.readouterr().out == (
        "would erase: personal data of 1 referral(s) closed over 30 days ago, "
        "0 conversation(s) idle over 30 minutes, 0 old update id(s)\n")
    assert cli_database.referrals.reveal_contact(old) != {}
    assert main(["purge"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("erased: personal data of 1 referral(s)")
    assert out[1] == ("queued for the running bot: 0 card(s) and contact reveal(s) to remove "
                      "from agencies' chats, and erasure notices to the agencies and referrers "
                      "(this command does not reach Telegram)")
    assert cli_database.referrals.reveal_contact(old) == {}


def test_intake_erase_confirms_the_notice_and_rejects_a_mistyped_code(
        cli_database: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_database.referrals.create(request(), referrer_id=None, agency="agency_b",
                                         at=NOW)
    capsys.readouterr()
    assert main(["erase", code.lower()]) == 0
    assert capsys.readouterr().out == (
        f"{code} erased; erasure notice queued for agency agency_b\n" + QUEUED)
    assert main(["erase", code]) == 0
    assert capsys.readouterr().out == f"{code} was already erased; nothing to do\n"
    mistyped = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert main(["erase", mistyped]) == 2
    assert "mistyped or swapped character" in capsys.readouterr().err


# -- the bot's own purge schedule ------------------------------------------------------------

def purge_due(storage: Storage, worker: str, at: datetime) -> PurgeReport | None:
    return storage.retention.purge_due(worker, at, every=DAY, older_than=90 * DAY,
                                       idle=timedelta(minutes=30))


def test_the_scheduled_purge_runs_when_due_and_not_again_within_the_period(
        storage: Storage) -> None:
    first = closed_referral(storage, 91)
    assert purge_due(storage, "host:1", NOW) == PurgeReport(1, 0, 0)
    assert storage.referrals.reveal_contact(first) == {}
    second = closed_referral(storage, 91)
    assert purge_due(storage, "host:1", NOW + DAY - timedelta(seconds=1)) is None
    assert storage.referrals.reveal_contact(second) != {}
    assert purge_due(storage, "host:2", NOW + DAY) == PurgeReport(1, 0, 0)
    assert last_run(storage.context, PURGE_JOB) == (NOW + DAY, "host:2")


def test_two_processes_racing_for_the_scheduled_purge_purge_once(
        storage: Storage, database: Engine, cipher: Cipher) -> None:
    closed_referral(storage, 91)
    # Two processes: two engines (connection pools) on one database.
    other = make_engine(database.url.render_as_string(hide_password=False))
    processes = {"host:1": storage, "host:2": Storage.on(other, cipher)}
    start = threading.Barrier(2)
    reports: dict[str, PurgeReport | None] = {}

    def work(name: str) -> None:
        start.wait()
        reports[name] = purge_due(processes[name], name, NOW)

    threads = [threading.Thread(target=work, args=(name,)) for name in processes]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.dispose()
    assert sorted(reports.values(), key=lambda r: r is None) == [PurgeReport(1, 0, 0), None]
    winner = next(name for name, report in reports.items() if report is not None)
    assert last_run(storage.context, PURGE_JOB) == (NOW, winner)
    assert storage.audit.entries() == [(NOW, "purge", "erase", aggregates(database)[0][0])]


# -- erasure and the referrer's open conversation --------------------------------------------

REFERRER_CHAT, OTHER_CHAT = 4242, 5353


@dataclass(frozen=True)
class OpenConversation:
    """A referrer's history: ``earlier`` referrals from conversations that have ended, then
    an open conversation (at ``chat``, unless None) that made ``made`` more."""

    name: str
    earlier: int
    made: int
    chat: int | None
    erased: int  # index of the erased referral among all the referrer's, oldest first
    deleted: bool


OPEN_CONVERSATIONS = [
    OpenConversation("it made the referral (urgent, then the intake went on)", 0, 1,
                     REFERRER_CHAT, 0, True),
    OpenConversation("it made two; the first is erased", 0, 2, REFERRER_CHAT, 0, True),
    OpenConversation("it made two after an earlier one; the second is erased", 1, 2,
                     REFERRER_CHAT, 2, True),
    OpenConversation("an ended conversation made it; the open one made none", 1, 0,
                     REFERRER_CHAT, 0, False),
    OpenConversation("an ended conversation made it; the open one made another", 1, 1,
                     REFERRER_CHAT, 0, False),
    OpenConversation("no conversation is open", 1, 0, None, 0, False),
    OpenConversation("only someone else's conversation is open", 0, 1, OTHER_CHAT, 0, False),
]


@pytest.mark.parametrize("case", OPEN_CONVERSATIONS, ids=lambda case: case.name)
def test_erasing_a_referral_deletes_the_open_conversation_only_if_it_made_it(
        storage: Storage, case: OpenConversation) -> None:
    referrer = storage.staff.enrol(REFERRER_CHAT, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=NOW)
    storage.staff.enrol(OTHER_CHAT, "referrer", agency=None, hub="gaziantep", language="en",
                        at=NOW)
    codes = [storage.referrals.create(request(), referrer_id=referrer, agency="a",
                                      at=NOW - timedelta(minutes=10))
             for _ in range(case.earlier + case.made)]
    if case.chat is not None:
        storage.sessions.save(case.chat, session(phone="+90 000 000 9999").with_(
            referred=case.made), NOW - timedelta(minutes=1))
    done = erase(storage.context, codes[case.erased], at=NOW, actor="cli")
    assert done.conversation is case.deleted
    open_chats = [chat for chat in (REFERRER_CHAT, OTHER_CHAT) if storage.sessions.load(chat)]
    expected = [] if case.deleted or case.chat is None else [case.chat]
    assert open_chats == expected
    assert [action for _, _, action, _ in storage.audit.entries(codes[case.erased])] == (
        ["erase", "erase_conversation"] if case.deleted else ["erase"])


def test_erasing_a_referral_without_a_referrer_leaves_every_conversation_alone(
        storage: Storage) -> None:
    code = storage.referrals.create(request(), referrer_id=None, agency="a", at=NOW)
    storage.sessions.save(REFERRER_CHAT, session().with_(referred=1), NOW)
    assert not erase(storage.context, code, at=NOW, actor="cli").conversation
    assert storage.sessions.load(REFERRER_CHAT) is not None


@pytest.mark.parametrize(("agency", "linked", "out"), [
    ("agency_b", True, "{code} erased; erasure notice queued for agency agency_b, the "
                       "referrer\nalso erased: the referrer's intake still in progress, "
                       "which held answers this referral shared\n"),
    (None, True, "{code} erased; no agency had received it; notice queued for the referrer\n"
                 "also erased: the referrer's intake still in progress, which held answers "
                 "this referral shared\n"),
    ("agency_b", False, "{code} erased; erasure notice queued for agency agency_b, the "
                        "referrer\n"),
])
def test_intake_erase_says_when_it_also_erased_the_intake_in_progress(
        cli_database: Storage, capsys: pytest.CaptureFixture[str], agency: str | None,
        linked: bool, out: str) -> None:
    referrer = cli_database.staff.enrol(REFERRER_CHAT, "referrer", agency=None, hub=None,
                                        language="en", at=NOW)
    code = cli_database.referrals.create(request(), referrer_id=referrer, agency=agency,
                                         at=NOW)
    cli_database.sessions.save(REFERRER_CHAT, session().with_(referred=int(linked)), NOW)
    capsys.readouterr()
    assert main(["erase", code]) == 0
    assert capsys.readouterr().out == out.format(code=code) + QUEUED
    assert (cli_database.sessions.load(REFERRER_CHAT) is None) is linked
