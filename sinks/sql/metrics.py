"""The SQL sink's Prometheus metrics, served by prometheus_client's own HTTP server.

The sink has no web server of its own: `serve` starts prometheus_client's, on a
thread, at HUB_SQL_METRICS_BIND:HUB_SQL_METRICS_PORT (0 disables it). The counters
are read from the sink's `SinkStats` at scrape time; the consumer thread measures its
lag (its positions against the highwater marks of its last fetches) and notes it there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIServer

from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from schemas import metric_names as names
from schemas.metrics import lag_family, process_registry

if TYPE_CHECKING:
    from sinks.sql.consumer import SinkStats
    from sinks.sql.settings import SqlSinkSettings

log = logging.getLogger(__name__)
REGISTRY = process_registry()
BATCH_DURATION = Histogram(
    names.SQL_BATCH_DURATION,
    "Writing one batch in one transaction, successful or not.",
    buckets=names.SLOW_BUCKETS,
    registry=REGISTRY,
)


def consumer_lag(consumer: Any) -> dict[str, int]:
    """Per topic: records past the consumer's positions in its partitions (consumer thread)."""
    lag: dict[str, int] = {}
    for tp in consumer.assignment():
        try:
            position = consumer.position(tp, timeout_ms=0)
            high = consumer.highwater(tp)
        except KafkaError:
            continue  # moving away in a rebalance
        if position is not None and high is not None:
            lag[tp.topic] = lag.get(tp.topic, 0) + max(high - position, 0)
    return lag


class SinkCollector:
    """Rows, batches, failures, skipped records, the database's outage and the lag."""

    def __init__(
        self, stats: SinkStats, group: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stats = stats
        self.group = group
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        """The families without samples, for the registry's duplicate check."""
        return [*self._counters(None), *self._outage(None), lag_family(self.group, {})]

    def collect(self) -> Iterable[Metric]:
        """The figures now (read from another thread: each is one attribute read)."""
        stats = self.stats
        return [*self._counters(stats), *self._outage(stats), lag_family(self.group, stats.lag)]

    def _counters(self, stats: SinkStats | None) -> list[Metric]:
        figures = (
            (names.SQL_ROWS, "Rows written (inserted or updated).", "rows"),
            (names.SQL_BATCHES, "Batches written and committed.", "batches"),
            (names.SQL_BATCH_FAILURES, "Batches the database refused.", "failed_batches"),
            (names.SQL_SKIPPED, "Undecodable records skipped.", "skipped_records"),
            (names.SQL_REJOINS, "Stuck rebalances given up (a new consumer joined).", "rejoins"),
        )
        return [
            CounterMetricFamily(name, doc, value=None if stats is None else getattr(stats, field))
            for name, doc, field in figures
        ]

    def _outage(self, stats: SinkStats | None) -> list[Metric]:
        current, total = (None, None) if stats is None else stats.outage_s(self.clock())
        return [
            GaugeMetricFamily(
                names.SQL_OUTAGE, "How long the database has been failing now.", value=current
            ),
            CounterMetricFamily(
                names.SQL_OUTAGE_TOTAL, "Seconds the database was failing.", value=total
            ),
        ]


def serve(settings: SqlSinkSettings, stats: SinkStats) -> WSGIServer | None:
    """Start the metrics server; None when disabled or its port is taken (logged)."""
    if settings.sql_metrics_port == 0:
        return None
    registry = CollectorRegistry()
    registry.register(REGISTRY)
    registry.register(SinkCollector(stats, settings.group_id))
    bind, port = settings.sql_metrics_bind, settings.sql_metrics_port
    try:
        server, _ = start_http_server(port, bind, registry=registry)
    except OSError as e:
        # Metrics are not worth stopping the sink for (a second sink on the same machine).
        log.warning("metrics not served on %s:%d: %s", bind, port, e)
        return None
    log.info("metrics on http://%s:%d/metrics", bind, port)
    return server
