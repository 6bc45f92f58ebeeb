"""The sink's one contract: add events, flush them in one transaction, always clear.

`flush()` writes every event added since the last flush in one transaction and
returns the number of rows written; whatever happens, the writer is empty afterwards.
It raises `DatabaseUnavailable` when the database cannot take the batch (rolled
back: consume the events again later); a batch the database refuses for its content
is written again one event at a time, and the events it still refuses are skipped
and logged, so that one bad record cannot stop the sink.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from sinks.sql.batch import Batch
from sinks.sql.errors import BatchRejected, DatabaseUnavailable
from sinks.sql.events import SinkEvent, UndecodableRecord
from sinks.sql.upserts import write_batch

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class SqlWriter:
    """Batches events for one database; see the module's docstring for the contract."""

    def __init__(
        self,
        engine: Engine,
        *,
        retention_days: int,
        clock: Clock = utc_now,
        raw_heartbeats: bool = True,
        heartbeat_topic: str = "relay-heartbeats",
    ) -> None:
        self._engine = engine
        self._retention = timedelta(days=retention_days)
        self._clock = clock
        self._raw = raw_heartbeats
        self._topic = heartbeat_topic
        self._events: list[tuple[SinkEvent, int, int]] = []
        self._batch = self._new_batch()

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: SinkEvent, offset: int, partition: int = 0) -> None:
        """Buffer one event read at `offset` of `partition`; raises UndecodableRecord."""
        try:
            self._batch.add(event, offset, partition)
        except (ValueError, OverflowError) as e:  # ValidationError is a ValueError
            # A value no column can hold (an id past 2**31, say): refused before SQL sees it.
            raise UndecodableRecord(f"{type(event).__name__} does not fit the tables: {e}") from e
        self._events.append((event, offset, partition))

    def clear(self) -> None:
        """Drop the buffered events (they will be read from Kafka again)."""
        self._batch, self._events = self._new_batch(), []

    def flush(self) -> int:
        """Write the buffered events in one transaction; returns the rows written."""
        batch, events = self._batch, self._events
        self._batch, self._events = self._new_batch(), []
        if not events:
            return 0
        try:
            return self._write(batch)
        except BatchRejected as e:
            log.warning("batch of %d events refused (%s); writing them one by one", len(events), e)
            return self._write_each(events)

    def _new_batch(self) -> Batch:
        return Batch(
            heartbeats_since=self._clock() - self._retention,
            raw_heartbeats=self._raw,
            heartbeat_topic=self._topic,
        )

    def _write(self, batch: Batch) -> int:
        try:
            with self._engine.begin() as conn:
                write_batch(conn, batch)
        except (DataError, IntegrityError) as e:
            raise BatchRejected(str(e.orig)) from e
        except SQLAlchemyError as e:
            raise DatabaseUnavailable(f"{type(e).__name__}: {getattr(e, 'orig', e)}") from e
        return batch.rows()

    def _write_each(self, events: list[tuple[SinkEvent, int, int]]) -> int:
        rows = 0
        for event, offset, partition in events:
            single = self._new_batch()
            single.add(event, offset, partition)
            try:
                rows += self._write(single)
            except BatchRejected as e:
                log.error("skipping %s at offset %d: %s", type(event).__name__, offset, e)
        return rows
