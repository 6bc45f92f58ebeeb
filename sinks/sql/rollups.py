"""Per-minute heartbeat rollups, counted exactly once per heartbeat record.

A batch keeps each heartbeat record with its partition and offset; every entry of a
record counts once in its profile's minute. In the write's transaction the sink reads
how far each partition was already counted (`sink_progress`), drops what was, adds the
rest to the minute rows (`count = count + new`), and moves the progress on: a batch
read again after a crash before its Kafka offsets were committed adds nothing.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, select

from schemas.enums import ServerStatus
from sinks.sql.bulk import execute_many
from sinks.sql.heartbeats import HeartbeatRecord
from sinks.sql.models import HeartbeatMinute, SinkProgress

STATUS_COLUMNS = {
    ServerStatus.Started: "started",
    ServerStatus.Stopped: "stopped",
    ServerStatus.Starting: "starting",
    ServerStatus.Stopping: "stopping",
    ServerStatus.Paused: "paused",
    ServerStatus.Error: "error",
}
COUNTS = ("heartbeats", *STATUS_COLUMNS.values())
MinuteKey = tuple[str, int, int, datetime]
Contribution = tuple[int, int, HeartbeatRecord]
"""One heartbeat record with its partition and offset: each entry counts in its minute."""
MINUTE_COLUMNS = (
    "client_id", "profile_type", "profile_id", "minute", "day", *COUNTS,
    "last_status", "last_received_at",
)  # fmt: skip
_COUNT_INDEX = {int(status): COUNTS.index(column) for status, column in STATUS_COLUMNS.items()}
_LAST_STATUS, _LAST_AT = len(COUNTS), len(COUNTS) + 1


class Rollup:
    """A batch's heartbeat records, their minute rows' increments folded as they come.

    The increments are those of every record; `increments` folds again from the
    records only when the batch holds some that were counted already (read again
    after a crash before their offsets were committed).
    """

    def __init__(self) -> None:
        self.records: list[Contribution] = []
        self.rows: dict[MinuteKey, list[Any]] = {}
        self.first: dict[int, int] = {}
        """The lowest offset of each partition."""
        self.ends: dict[int, int] = {}
        """The offset after the highest of each partition."""

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, partition: int, offset: int, record: HeartbeatRecord) -> None:
        """Count a record read at `offset` of `partition`."""
        self.records.append((partition, offset, record))
        if offset < self.first.get(partition, offset + 1):
            self.first[partition] = offset
        if offset >= self.ends.get(partition, 0):
            self.ends[partition] = offset + 1
        _fold(self.rows, record)

    def increments(self, progress: dict[int, int]) -> list[tuple[Any, ...]]:
        """The minute rows (`MINUTE_COLUMNS`) of what is not counted yet, in key order."""
        rows = self.rows
        if any(first < progress.get(p, 0) for p, first in self.first.items()):
            rows = {}
            for partition, offset, record in self.records:
                if offset >= progress.get(partition, 0):
                    _fold(rows, record)
        return [(*key, key[3].date(), *rows[key]) for key in sorted(rows)]


def _fold(rows: dict[MinuteKey, list[Any]], record: HeartbeatRecord) -> None:
    cid, minute, received = record.client_id, record.minute, record.received_at
    for entry in record.entries:
        key = (cid, entry.profile_type, entry.profile_id, minute)
        row = rows.get(key)
        if row is None:
            row = rows[key] = [0] * len(COUNTS) + [None, None]
        row[0] += 1
        column = _COUNT_INDEX.get(entry.server_status)
        if column is not None:
            row[column] += 1
        if row[_LAST_AT] is None or received >= row[_LAST_AT]:
            row[_LAST_STATUS], row[_LAST_AT] = entry.server_status, received


def write(conn: Connection, topic: str, rollup: Rollup, insert: Any) -> None:
    """Count the records not counted yet, and record how far each partition is."""
    if not rollup.records:
        return
    progress = _progress(conn, topic)
    rows = rollup.increments(progress)
    if rows:
        _add(conn, rows, insert)
    moved = [
        {"topic": topic, "partition": p, "next_offset": end}
        for p, end in sorted(rollup.ends.items())
        if end > progress.get(p, 0)
    ]
    if moved:
        _save_progress(conn, moved, insert)


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _progress(conn: Connection, topic: str) -> dict[int, int]:
    table = _table(SinkProgress)
    query = select(table.c.partition, table.c.next_offset).where(table.c.topic == topic)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # a second sink instance waits, then sees our progress
    return {int(p): int(o) for p, o in conn.execute(query)}


def _add(conn: Connection, rows: list[tuple[Any, ...]], insert: Any) -> None:
    table = _table(HeartbeatMinute)
    stmt = insert(table)
    ex = stmt.excluded
    stored = table.c.last_received_at
    newer = stored.is_(None) | (ex.last_received_at >= stored)
    set_: dict[str, Any] = {c: table.c[c] + ex[c] for c in COUNTS}
    set_["last_status"] = case((newer, ex.last_status), else_=table.c.last_status)
    set_["last_received_at"] = case((newer, ex.last_received_at), else_=stored)
    keys = ["client_id", "profile_type", "profile_id", "minute"]
    upsert = stmt.on_conflict_do_update(index_elements=keys, set_=set_)
    execute_many(conn, upsert, MINUTE_COLUMNS, rows)


def _save_progress(conn: Connection, rows: list[dict[str, Any]], insert: Any) -> None:
    table = _table(SinkProgress)
    stmt = insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=["topic", "partition"],
        set_={"next_offset": stmt.excluded.next_offset},
        where=stmt.excluded.next_offset > table.c.next_offset,
    )
    conn.execute(upsert, rows)
