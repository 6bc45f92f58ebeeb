"""The SQL sink's metrics: the collector over its stats, the lag, the metrics server."""

import socket
import urllib.request
from typing import Any, NamedTuple

import pytest
from prometheus_client import CollectorRegistry

from localkafka.broker import free_port
from schemas import metric_names as names
from sinks.sql.consumer import SinkStats
from sinks.sql.metrics import SinkCollector, consumer_lag, serve
from sinks.sql.settings import SqlSinkSettings


class TP(NamedTuple):
    """A topic partition, as kafka-python names them."""

    topic: str
    partition: int


class StubConsumer:
    """Positions and highwater marks as given; None where nothing was fetched yet."""

    def __init__(self, marks: dict[TP, tuple[int | None, int | None]]) -> None:
        self.marks = marks

    def assignment(self) -> set[TP]:
        return set(self.marks)

    def position(self, tp: TP, timeout_ms: int) -> int | None:
        return self.marks[tp][0]

    def highwater(self, tp: TP) -> int | None:
        return self.marks[tp][1]


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    """One sample's value."""
    return registry.get_sample_value(name, labels)


def collector_over(stats: SinkStats, now: list[float]) -> CollectorRegistry:
    """A registry holding a collector of `stats` whose clock reads `now[0]`."""
    registry = CollectorRegistry()
    registry.register(SinkCollector(stats, "hub.sql-sink", clock=lambda: now[0]))
    return registry


def test_counters_are_read_from_the_sink_s_stats() -> None:
    stats = SinkStats(rows=120, batches=3, failed_batches=2, skipped_records=1)
    stats.lag = {"hub.config": 4}
    registry = collector_over(stats, [0.0])
    assert value(registry, names.SQL_ROWS) == 120
    assert value(registry, names.SQL_BATCHES) == 3
    assert value(registry, names.SQL_BATCH_FAILURES) == 2
    assert value(registry, names.SQL_SKIPPED) == 1
    assert value(registry, names.CONSUMER_LAG, group="hub.sql-sink", topic="hub.config") == 4


def test_an_outage_counts_from_the_first_failed_batch_to_the_next_written_one() -> None:
    stats, now = SinkStats(), [100.0]
    registry = collector_over(stats, now)
    stats.database_failed(10.0)
    stats.database_failed(20.0)  # still the same outage
    assert value(registry, names.SQL_OUTAGE) == 90
    stats.database_back(110.0)
    now[0] = 500.0
    assert value(registry, names.SQL_OUTAGE) == 0
    assert value(registry, names.SQL_OUTAGE_TOTAL) == 100


def test_lag_is_highwater_minus_position_per_topic() -> None:
    consumer: Any = StubConsumer({
        TP("hub.config", 0): (10, 15), TP("hub.config", 1): (7, 7),
        TP("hub.pbx-changes", 0): (None, 3),
    })  # fmt: skip
    assert consumer_lag(consumer) == {"hub.config": 5}


def test_the_metrics_server_serves_the_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("HUB_SQL_METRICS_PORT", str(port))
    server = serve(SqlSinkSettings(), SinkStats(rows=7))
    assert server is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            text = reply.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert f"{names.SQL_ROWS} 7.0" in text
    assert "process_cpu_seconds_total" in text


def test_no_metrics_server_when_disabled_or_its_port_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_SQL_METRICS_PORT", "0")
    assert serve(SqlSinkSettings(), SinkStats()) is None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("HUB_SQL_METRICS_PORT", str(taken.getsockname()[1]))
        assert serve(SqlSinkSettings(), SinkStats()) is None
