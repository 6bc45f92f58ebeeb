"""Per-minute heartbeat rollups, counted exactly once per heartbeat record.

A batch keeps each heartbeat entry's contribution with the record's partition and
offset. In the write's transaction the sink reads how far each partition was already
counted (`sink_progress`), drops what was, adds the rest to the minute rows
(`count = count + new`), and moves the progress on: a batch read again after a crash
before its Kafka offsets were committed adds nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, select

from schemas.enums import ServerStatus
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


@dataclass(frozen=True, slots=True)
class Contribution:
    """One profile entry of one heartbeat record."""

    partition: int
    offset: int
    key: MinuteKey
    status: int
    received_at: datetime


def fold(
    contributions: list[Contribution], progress: dict[int, int]
) -> dict[MinuteKey, dict[str, Any]]:
    """The minute rows' increments from what is not counted yet."""
    rows: dict[MinuteKey, dict[str, Any]] = {}
    for c in contributions:
        if c.offset < progress.get(c.partition, 0):
            continue
        row = rows.get(c.key)
        if row is None:
            cid, ptype, pid, minute = c.key
            row = rows[c.key] = {
                "client_id": cid, "profile_type": ptype, "profile_id": pid, "minute": minute,
                "day": minute.date(), **dict.fromkeys(COUNTS, 0),
                "last_status": None, "last_received_at": None,
            }  # fmt: skip
        row["heartbeats"] += 1
        column = STATUS_COLUMNS.get(ServerStatus(c.status)) if c.status in _KNOWN else None
        if column:
            row[column] += 1
        if row["last_received_at"] is None or c.received_at >= row["last_received_at"]:
            row["last_status"], row["last_received_at"] = c.status, c.received_at
    return rows


_KNOWN = {int(s) for s in ServerStatus}


def write(conn: Connection, topic: str, contributions: list[Contribution], insert: Any) -> None:
    """Count the contributions not counted yet, and record how far each partition is."""
    if not contributions:
        return
    progress = _progress(conn, topic)
    rows = fold(contributions, progress)
    if rows:
        _add(conn, [rows[k] for k in sorted(rows)], insert)
    ends: dict[int, int] = {}
    for c in contributions:
        ends[c.partition] = max(ends.get(c.partition, 0), c.offset + 1)
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
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=set_), rows)


def _save_progress(conn: Connection, rows: list[dict[str, Any]], insert: Any) -> None:
    table = _table(SinkProgress)
    stmt = insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=["topic", "partition"],
        set_={"next_offset": stmt.excluded.next_offset},
        where=stmt.excluded.next_offset > table.c.next_offset,
    )
    conn.execute(upsert, rows)
