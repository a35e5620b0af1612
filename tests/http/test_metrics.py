"""``/metrics`` says, in the Prometheus text format, what this process handled and what state
the service is in, read from the database at scrape time, with no personal data anywhere."""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.service.outbox import CARD, STATUS
from storage.gauges import SqlGauges
from storage.stores import Storage
from tests.storage.builders import request, session
from tests.storage.conftest import NOW

AGENCIES = ("agency_a", "agency_b", "agency_c")
HUBS = ("gaziantep", "hatay")
PHONE = "+90 000 000 9999"  # the contact every built request carries
FOCAL_TELEGRAM_ID = 5_550_001


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, every sample of the exposition."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def metrics_on(storage: Storage) -> Metrics:
    gauges = SqlGauges(storage.context)
    return Metrics(lambda: gauges.read(NOW), lambda: AGENCIES, lambda: HUBS)


def referral(storage: Storage, hub: str | None, due_in: timedelta) -> str:
    return storage.referrals.create(request(hub=hub), referrer_id=None, agency="agency_a",
                                    at=NOW - timedelta(days=1), acknowledge_by=NOW + due_in)


def test_the_state_figures_are_read_from_the_database_at_scrape_time(
        storage: Storage) -> None:
    metrics = metrics_on(storage)
    empty = samples(metrics.exposition().decode())
    assert empty[("intake_database_up", ())] == 1
    assert empty[("intake_open_conversations", ())] == 0
    assert empty[("intake_unsent_cards", ())] == 0
    assert empty[("intake_agencies_without_focal_point", ())] == 3
    assert empty[("intake_referrals_overdue", (("hub", "gaziantep"),))] == 0
    assert not [key for key in empty if key[0] == "intake_last_purge_timestamp_seconds"]

    storage.sessions.save(101, session(), NOW)
    storage.sessions.save(102, session(), NOW)
    late = referral(storage, "gaziantep", -timedelta(hours=1))
    referral(storage, "gaziantep", timedelta(hours=1))  # not due yet
    referral(storage, "hatay", -timedelta(hours=2))
    erased = referral(storage, "hatay", -timedelta(hours=2))
    storage.referrals.erase(erased, at=NOW, actor="staff:1")  # no longer open
    referral(storage, None, -timedelta(minutes=5))
    sent = storage.reminders.schedule(CARD, NOW, code=late, agency="agency_a")
    storage.reminders.schedule(CARD, NOW, code=late, agency="agency_b")
    storage.reminders.schedule(STATUS, NOW, code=late)  # not a card
    storage.reminders.mark_sent(sent, NOW)
    storage.staff.enrol(FOCAL_TELEGRAM_ID, "focal_point", agency="agency_a", hub="gaziantep",
                        language="en", at=NOW)
    gone = storage.staff.enrol(FOCAL_TELEGRAM_ID + 1, "focal_point", agency="agency_b",
                               hub="hatay", language="en", at=NOW)
    storage.staff.set_active(gone, False, NOW)
    storage.staff.enrol(FOCAL_TELEGRAM_ID + 2, "referrer", agency="agency_c", hub="hatay",
                        language="en", at=NOW)  # a referrer receives no cards
    storage.retention.purge_due("worker-1", NOW, every=timedelta(hours=24),
                                older_than=timedelta(days=90), idle=timedelta(minutes=30))

    text = metrics.exposition().decode()
    found = samples(text)
    assert found[("intake_open_conversations", ())] == 2
    assert {labels: value for (name, labels), value in found.items()
            if name == "intake_referrals_overdue"} == {
        (("hub", "gaziantep"),): 1, (("hub", "hatay"),): 1, (("hub", "none"),): 1}
    assert found[("intake_unsent_cards", ())] == 1
    assert {labels: value for (name, labels), value in found.items()
            if name == "intake_agency_focal_points"} == {
        (("agency", "agency_a"),): 1, (("agency", "agency_b"),): 0,
        (("agency", "agency_c"),): 0}
    assert found[("intake_agencies_without_focal_point", ())] == 2
    assert found[("intake_last_purge_timestamp_seconds", ())] == NOW.timestamp()
    # No personal data: no case code, contact, chat or Telegram id, in labels or anywhere.
    codes = [c for c in (late, erased) if c]
    for secret in [*codes, PHONE, "101", "102", str(FOCAL_TELEGRAM_ID)]:
        assert secret not in text


def test_events_are_counted_in_the_process_by_kind_and_logger(storage: Storage) -> None:
    metrics = metrics_on(storage)
    metrics.update_handled("message")
    metrics.update_handled("message")
    metrics.update_handled("callback_query")
    counter = metrics.error_counter()
    logger = logging.getLogger("intake.test_metrics")
    logger.addHandler(counter)
    try:
        logger.error("inbox_store_failed")
        logger.critical("worse")
        logger.warning("only a warning")  # not an error
    finally:
        logger.removeHandler(counter)
    found = samples(metrics.exposition().decode())
    assert found[("intake_updates_handled_total", (("kind", "message"),))] == 2
    assert found[("intake_updates_handled_total", (("kind", "callback_query"),))] == 1
    assert found[("intake_errors_total", (("logger", "intake.test_metrics"),))] == 2


def test_two_processes_metrics_do_not_share_counters(storage: Storage) -> None:
    first, second = metrics_on(storage), metrics_on(storage)
    first.update_handled("message")
    assert ("intake_updates_handled_total", (("kind", "message"),)) not in samples(
        second.exposition().decode())


def test_an_unreachable_database_is_said_and_no_stale_state_is_shown() -> None:
    def unreachable() -> object:
        raise ConnectionRefusedError("no database")

    metrics = Metrics(unreachable, lambda: AGENCIES, lambda: HUBS)  # type: ignore[arg-type]
    metrics.update_handled("message")
    found = samples(metrics.exposition().decode())
    assert found[("intake_database_up", ())] == 0
    assert found[("intake_updates_handled_total", (("kind", "message"),))] == 1
    assert not [key for key in found if key[0] in (
        "intake_open_conversations", "intake_unsent_cards", "intake_referrals_overdue")]
