"""The bot's Prometheus metrics (``/metrics`` on the console's address).

One :class:`Metrics` per process, with its own registry (nothing is registered at import
time). Two kinds of figure:

* events this process saw, as counters: updates handled (by kind of update) and errors
  (log records at ERROR or worse, by logger name);
* the state of the service, read from the database when the metrics are scraped (one cheap
  aggregate query each, ``storage.gauges``): open conversations, overdue referrals per hub,
  unsent referral cards, focal points enrolled per agency and the agencies with none, and
  when the retention purge last ran. Every process reports the same state; aggregate it
  with ``max``, not ``sum``.

Labels are kinds, logger names and directory codes (hub, agency): never a name, a chat id, a
case code or anything a person typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.wiring import Services
    from storage.gauges import Gauges

log = logging.getLogger("intake.metrics")
#: The ``Content-Type`` of :meth:`Metrics.exposition` (the Prometheus text format).
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: The hub label of an overdue referral that has no hub.
NO_HUB = "none"


class Metrics:
    """``read`` gives the state figures from the database (it may raise when the database
    is unreachable: then ``intake_database_up`` is 0 and those figures are left out);
    ``agencies`` the agency codes of the directory in use; ``hubs`` its hub codes."""

    def __init__(self, read: Callable[[], Gauges], agencies: Callable[[], Collection[str]],
                 hubs: Callable[[], Collection[str]]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.updates = Counter("intake_updates_handled", "Telegram updates this process "
                               "handled, by kind of update", ["kind"], registry=self.registry)
        self.errors = Counter("intake_errors", "Log records at ERROR or worse in this "
                              "process, by logger", ["logger"], registry=self.registry)
        self.registry.register(_State(read, agencies, hubs))

    def update_handled(self, kind: str) -> None:
        self.updates.labels(kind=kind).inc()

    def error_counter(self) -> logging.Handler:
        """A log handler counting the records at ERROR or worse into ``intake_errors``:
        attach it to the root logger while the bot runs."""
        return _ErrorCounter(self.errors)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format. Reads the database: call it off the
        event loop (``asyncio.to_thread``)."""
        return generate_latest(self.registry)


class _ErrorCounter(logging.Handler):
    def __init__(self, errors: Counter) -> None:
        super().__init__(logging.ERROR)
        self._errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self._errors.labels(logger=record.name).inc()


class _State(Collector):
    def __init__(self, read: Callable[[], Gauges], agencies: Callable[[], Collection[str]],
                 hubs: Callable[[], Collection[str]]) -> None:
        self._read, self._agencies, self._hubs = read, agencies, hubs

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("intake_database_up", "1 when the state figures below could "
                               "be read from the database at this scrape, else 0")
        try:
            state = self._read()
        except Exception as error:  # the database is unreachable: say so, show no stale state
            log.warning("metrics_state_unavailable", extra={"error": type(error).__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge("intake_open_conversations", "Conversations in progress",
                     state.open_conversations)
        overdue = GaugeMetricFamily("intake_referrals_overdue", "Open referrals whose "
                                    "running deadline has passed, by hub", labels=["hub"])
        by_hub = {hub: 0 for hub in self._hubs()}
        for hub, count in state.overdue.items():
            by_hub[hub or NO_HUB] = by_hub.get(hub or NO_HUB, 0) + count
        for hub in sorted(by_hub):
            overdue.add_metric([hub], by_hub[hub])
        yield overdue
        yield _gauge("intake_unsent_cards", "Referral cards queued for an agency and not "
                     "sent yet", state.unsent_cards)
        agencies = sorted(self._agencies())
        focal = GaugeMetricFamily("intake_agency_focal_points", "Active focal points "
                                  "enrolled, by agency of the directory", labels=["agency"])
        for agency in agencies:
            focal.add_metric([agency], state.focal_points.get(agency, 0))
        yield focal
        yield _gauge("intake_agencies_without_focal_point", "Agencies of the directory with "
                     "nobody enrolled to receive their referrals",
                     sum(1 for agency in agencies if not state.focal_points.get(agency)))
        if state.last_purge is not None:
            yield _gauge("intake_last_purge_timestamp_seconds", "When the bot's retention "
                         "purge last ran (Unix time)", state.last_purge.timestamp())


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def metrics_of(services: Services) -> Metrics:
    """The metrics of the product ``services`` runs: state read from its database at its
    clock's time, for the agencies and hubs of the directory it uses at that moment."""
    from storage.gauges import SqlGauges

    gauges = SqlGauges(services.storage.context)
    return Metrics(lambda: gauges.read(services.clock.now()),
                   lambda: list(services.directory.agencies),
                   lambda: list(services.directory.hubs))
