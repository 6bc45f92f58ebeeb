"""The Kafka side of the sink: poll, batch, write, then commit the batch's offsets.

Offsets are committed only after the batch's transaction committed, so a crash at
any point means the batch is read again (and, rows being idempotent, written again
to the same effect). When the database fails, the consumer seeks back to the first
record of the failed batch, waits (exponential backoff up to `retry_backoff_max_s`)
and tries again: it never commits past a row it did not write, and never exits.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from schemas.topics import TopicNames
from sinks.sql import metrics
from sinks.sql.errors import DatabaseUnavailable
from sinks.sql.events import EventDecoder, UndecodableRecord
from sinks.sql.retention import prune_heartbeats
from sinks.sql.settings import SqlSinkSettings
from sinks.sql.writer import SqlWriter, utc_now

log = logging.getLogger(__name__)
FIRST_BACKOFF_S = 0.5
# kafka-python waits up to request_timeout_ms (5 min) by default: a stuck coordinator
# would hold the loop, or the shutdown past Kubernetes' grace period.
COMMIT_TIMEOUT_MS = 10_000
CLOSE_TIMEOUT_MS = 5_000
FETCH_MIN_BYTES = 256 * 1024
TOPIC_WAIT_S = 0.5
LAG_INTERVAL_S = 5.0


@dataclass
class SinkStats:
    """What the sink has done since it started; read by the metrics server's thread."""

    partitions: int = 0
    rows: int = 0
    batches: int = 0
    failed_batches: int = 0
    skipped_records: int = 0
    rejoins: int = 0
    lag: dict[str, int] = field(default_factory=dict)
    # (monotonic start of the current outage or None, seconds of the outages before it):
    # one tuple, so that a reader on another thread never sees half an update.
    outage: tuple[float | None, float] = (None, 0.0)

    def database_failed(self, now: float) -> None:
        """A batch failed: an outage starts now unless one is going on."""
        started, before = self.outage
        if started is None:
            self.outage = (now, before)

    def database_back(self, now: float) -> None:
        """A batch was written: an outage going on ends."""
        started, before = self.outage
        if started is not None:
            self.outage = (None, before + now - started)

    def outage_s(self, now: float) -> tuple[float, float]:
        """Seconds of the current outage (0 when none) and of all outages, at `now`."""
        started, before = self.outage
        current = 0.0 if started is None else now - started
        return current, before + current


class Backoff:
    """Exponential waits between retries: FIRST_BACKOFF_S, doubling, up to `max_s`."""

    def __init__(self, max_s: float) -> None:
        self.max_s = max_s
        self.failures = 0

    def next_delay(self) -> float:
        """Count a failure; return how long to wait before the next try."""
        self.failures += 1
        return float(min(self.max_s, FIRST_BACKOFF_S * 2 ** min(self.failures - 1, 16)))

    def reset(self) -> None:
        """A try succeeded."""
        self.failures = 0


class SqlSink:
    """Consumes the hub's output topics into the database until `stop` is set."""

    def __init__(
        self,
        settings: SqlSinkSettings,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.stats = SinkStats()
        self._engine = engine
        self._clock = clock
        self._decoder = EventDecoder(TopicNames(settings.topic_prefix))
        self._writer = SqlWriter(
            engine,
            retention_days=settings.heartbeat_retention_days,
            clock=clock,
            raw_heartbeats=settings.raw_heartbeats,
            heartbeat_topic=TopicNames(settings.topic_prefix).heartbeats,
        )
        self._backoff = Backoff(settings.retry_backoff_max_s)
        self._first: dict[TopicPartition, int] = {}
        self._next: dict[TopicPartition, int] = {}
        self._pruned_at = float("-inf")
        self._lag_at = float("-inf")
        self._rebalanced = False
        # Monotonic time of joining or of a revocation, until partitions are assigned.
        self._rejoining_since: float | None = None

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; then write and commit what was read, and close."""
        consumer = self._connect(stop)
        if consumer is None:
            return
        try:
            while not stop.is_set():
                if self._rejoin_stuck():
                    consumer = self._reconnect(consumer, stop)
                    if consumer is None:
                        return
                self._prune_if_due()
                self._note_lag_if_due(consumer)
                if not (self._poll(consumer, stop) and self._flush(consumer)):
                    stop.wait(self._backoff.next_delay())
            self._flush(consumer)
        finally:
            if consumer is not None:
                consumer.close(autocommit=False, timeout_ms=CLOSE_TIMEOUT_MS)

    def _rejoin_stuck(self) -> bool:
        """True when a rebalance has gone on longer than `rejoin_timeout_s`.

        kafka-python's group membership can stay rebalancing for good after the broker
        was slow (seen under load: every commit refused with RebalanceInProgressError for
        minutes while polling went on); a new consumer joins afresh.
        """
        since = self._rejoining_since
        return since is not None and time.monotonic() - since > self.settings.rejoin_timeout_s

    def _reconnect(self, consumer: Any, stop: threading.Event) -> Any:
        """Close the stuck consumer and join with a new one; what was read is read again."""
        log.warning(
            "rebalance not finished after %.0f s; joining the group again with a new consumer",
            self.settings.rejoin_timeout_s,
        )
        self.stats.rejoins += 1
        with contextlib.suppress(KafkaError):
            consumer.close(autocommit=False, timeout_ms=CLOSE_TIMEOUT_MS)
        self._writer.clear()
        self._forget()
        self._rebalanced = False
        return self._connect(stop)

    def _connect(self, stop: threading.Event) -> Any:
        # A broker that is not up yet is waited for, like a database that is down.
        while not stop.is_set():
            try:
                consumer = KafkaConsumer(**self._consumer_config())
            except KafkaError as e:
                log.warning("cannot reach Kafka (%s); retrying", e)
                stop.wait(self._backoff.next_delay())
                continue
            self._await_topics(consumer, stop)
            consumer.subscribe(self._decoder.topics, listener=_Revoked(self, consumer))
            self._backoff.reset()
            self._rejoining_since = time.monotonic()  # joining is a rebalance too
            return consumer
        return None

    def _await_topics(self, consumer: Any, stop: threading.Event) -> None:
        # Joining the group before the metadata lists every topic gets this member an
        # assignment without them, and kafka-python may not rejoin when they appear.
        while not stop.is_set():
            missing = [t for t in self._decoder.topics if not consumer.partitions_for_topic(t)]
            if not missing:
                return
            log.info("waiting for topics %s to exist", ", ".join(missing))
            stop.wait(TOPIC_WAIT_S)

    def _consumer_config(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self.settings.kafka_bootstrap.split(","),
            "group_id": self.settings.group_id,
            "client_id": "hub-sql-sink",
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": self.settings.batch_size,
            # The broker gathers records for a fetch (up to half the batch's linger)
            # rather than answering each one at once: fewer fetches, polls and wake-ups
            # per record while a batch fills; the batch waits for its linger anyway.
            "fetch_min_bytes": FETCH_MIN_BYTES,
            "fetch_max_wait_ms": max(1, int(self.settings.batch_linger_s * 500)),
            # Short, so that a stop request is seen soon while the broker is unreachable.
            "bootstrap_timeout_ms": 5000,
            # A group joined on stale metadata rejoins once fresh metadata shows the
            # topics' partitions; the default (5 min) would leave it idle that long.
            "metadata_max_age_ms": 5000,
        }

    def _poll(self, consumer: Any, stop: threading.Event) -> bool:
        """Fill the batch; False after a Kafka error (what was read stays in the batch)."""
        try:
            self._fill(consumer, stop)
        except KafkaError as e:
            log.warning("reading from Kafka failed (%s); retrying", e)
            return False
        return True

    def _fill(self, consumer: Any, stop: threading.Event) -> None:
        """Read until the batch is full or has waited `batch_linger_s`."""
        deadline = time.monotonic() + self.settings.batch_linger_s
        while len(self._writer) < self.settings.batch_size and not stop.is_set():
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return
            polled = consumer.poll(
                timeout_ms=remaining_ms, max_records=self.settings.batch_size - len(self._writer)
            )
            if self._rebalanced:
                self._settle_rebalance(consumer)
            for tp, records in polled.items():
                for record in records:
                    self._take(tp, record.offset, record.value)

    def _take(self, tp: TopicPartition, offset: int, value: bytes | None) -> None:
        self._first.setdefault(tp, offset)
        self._next[tp] = offset + 1
        try:
            for event in self._decoder.read(tp.topic, value):
                self._writer.add(event, offset, tp.partition)
        except UndecodableRecord as e:
            # Retrying cannot fix a bad record; it is logged and its offset committed.
            self.stats.skipped_records += 1
            log.error("skipping %s[%d]@%d: %s", tp.topic, tp.partition, offset, e)

    def _flush(self, consumer: Any) -> bool:
        """Write the batch, then commit its offsets; on a database error, rewind. True if done."""
        if self._rebalanced:
            self._settle_rebalance(consumer)
        if not self._next:
            return True
        try:
            with metrics.BATCH_DURATION.time():
                rows = self._writer.flush()
        except DatabaseUnavailable as e:
            self.stats.failed_batches += 1
            self.stats.database_failed(time.monotonic())
            log.warning("database unavailable, batch will be read again: %s", e)
            self._rewind(consumer)
            return False
        if self._backoff.failures:
            log.info("database back after %d failed tries", self._backoff.failures)
        self._backoff.reset()
        self.stats.database_back(time.monotonic())
        self.stats.rows += rows
        self.stats.batches += 1
        self._commit(consumer)
        return True

    def _rewind(self, consumer: Any) -> None:
        assigned = consumer.assignment()
        for tp, offset in self._first.items():
            if tp in assigned:
                consumer.seek(tp, offset)
        self._forget()

    def _commit(self, consumer: Any) -> None:
        if self._rejoining_since is not None:
            # Refused until the group settles; the offsets stay for the next flush.
            return
        offsets = {tp: OffsetAndMetadata(n, "", -1) for tp, n in self._next.items()}
        try:
            consumer.commit(offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except KafkaError as e:
            # The rows are written; the offsets stay and the next flush commits them again
            # (after a rebalance, only those of partitions still owned).
            log.warning("offset commit failed (%s); will commit again", e)
            return
        self._forget()

    def _forget(self) -> None:
        self._first.clear()
        self._next.clear()

    def on_revoked(self, consumer: Any) -> None:
        """Partitions are moving: note it; the consuming thread settles it after the poll.

        kafka-python 3 runs this on its I/O thread, where a blocking commit is refused.
        """
        self.stats.partitions = 0
        self._rebalanced = True
        if self._rejoining_since is None:
            self._rejoining_since = time.monotonic()

    def _settle_rebalance(self, consumer: Any) -> None:
        """Keep the offsets of partitions still owned; the new owner re-reads the others.

        Their rows stay in the batch and are written once more by that owner, with the
        same values (rows are idempotent).
        """
        self._rebalanced = False
        owned = consumer.assignment()
        self._first = {tp: o for tp, o in self._first.items() if tp in owned}
        self._next = {tp: o for tp, o in self._next.items() if tp in owned}

    def on_assigned(self, partitions: int) -> None:
        """After a rebalance gave this replica its partitions."""
        self.stats.partitions = partitions
        self._rejoining_since = None
        # Said at every rebalance: DEBUG, as the workers' rebalance lines (faust's) are.
        log.debug("consuming %d partitions", partitions)

    def _note_lag_if_due(self, consumer: Any) -> None:
        if time.monotonic() - self._lag_at >= LAG_INTERVAL_S:
            self._lag_at = time.monotonic()
            self.stats.lag = metrics.consumer_lag(consumer)

    def _prune_if_due(self) -> None:
        if time.monotonic() - self._pruned_at < self.settings.prune_interval_s:
            return
        self._pruned_at = time.monotonic()
        try:
            prune_heartbeats(
                self._engine,
                now=self._clock(),
                retention_days=self.settings.heartbeat_retention_days,
                rollup_retention_days=self.settings.rollup_retention_days,
            )
        except SQLAlchemyError as e:
            log.warning("pruning old heartbeats failed (%s); will try again later", e)


class _Revoked(ConsumerRebalanceListener):  # type: ignore[misc]
    """Flushes the sink's batch before a rebalance takes its partitions."""

    def __init__(self, sink: SqlSink, consumer: Any) -> None:
        self._sink = sink
        self._consumer = consumer

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._sink.on_revoked(self._consumer)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._sink.on_assigned(len(assigned))
