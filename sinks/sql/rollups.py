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
_COUNT_INDEX = {int(status): COUNTS.index(column) for status, column in STATUS_COLUMNS.items()}
_LAST_STATUS, _LAST_AT = len(COUNTS), len(COUNTS) + 1


def fold(contributions: list[Contribution], progress: dict[int, int]) -> list[dict[str, Any]]:
    """The minute rows' increments from what is not counted yet, in key order."""
    rows: dict[MinuteKey, list[Any]] = {}
    for partition, offset, record in contributions:
        if offset < progress.get(partition, 0):
            continue
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
    return [_minute_row(key, rows[key]) for key in sorted(rows)]


def _minute_row(key: MinuteKey, counts: list[Any]) -> dict[str, Any]:
    cid, ptype, pid, minute = key
    row = dict(zip(COUNTS, counts, strict=False))
    row.update(
        client_id=cid, profile_type=ptype, profile_id=pid, minute=minute, day=minute.date(),
        last_status=counts[_LAST_STATUS], last_received_at=counts[_LAST_AT],
    )  # fmt: skip
    return row


def minute_keys(contributions: list[Contribution]) -> set[MinuteKey]:
    """The minute rows the contributions count in."""
    return {
        (record.client_id, entry.profile_type, entry.profile_id, record.minute)
        for _, _, record in contributions
        for entry in record.entries
    }


def write(conn: Connection, topic: str, contributions: list[Contribution], insert: Any) -> None:
    """Count the contributions not counted yet, and record how far each partition is."""
    if not contributions:
        return
    progress = _progress(conn, topic)
    rows = fold(contributions, progress)
    if rows:
        _add(conn, rows, insert)
    ends: dict[int, int] = {}
    for partition, offset, _ in contributions:
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    moved = [
        {"topic": topic, "partition": p, "next_offset": end}
        for p, end in sorted(ends.items())
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


def _add(conn: Connection, rows: list[dict[str, Any]], insert: Any) -> None:
    table = _table(HeartbeatMinute)
    stmt = insert(table)
    ex = stmt.excluded
    stored = table.c.last_received_at
    newer = stored.is_(None) | (ex.last_received_at >= stored)
    set_: dict[str, Any] = {c: table.c[c] + ex[c] for c in COUNTS}
    set_["last_status"] = case((newer, ex.last_status), else_=table.c.last_status)
    set_["last_received_at"] = case((newer, ex.last_received_at), else_=stored)
    keys = ["client_id", "profile_type", "profile_id", "minute"]
    execute_many(conn, stmt.on_conflict_do_update(index_elements=keys, set_=set_), rows)


def _save_progress(conn: Connection, rows: list[dict[str, Any]], insert: Any) -> None:
    table = _table(SinkProgress)
    stmt = insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=["topic", "partition"],
        set_={"next_offset": stmt.excluded.next_offset},
        where=stmt.excluded.next_offset > table.c.next_offset,
    )
    conn.execute(upsert, rows)
