"""Retention: raw heartbeats and minute rollups past their retention are deleted."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete

from sinks.sql.models import Heartbeat, HeartbeatMinute
from sinks.sql.rows import utc

log = logging.getLogger(__name__)


def prune_heartbeats(
    engine: Engine, *, now: datetime, retention_days: int, rollup_retention_days: int = 400
) -> int:
    """Delete heartbeats received before `now - retention_days`, and minute rollups before
    `now - rollup_retention_days`; returns how many raw heartbeats went."""
    cutoff = utc(now) - timedelta(days=retention_days)
    table = Heartbeat.__table__  # type: ignore[attr-defined]
    minutes = HeartbeatMinute.__table__  # type: ignore[attr-defined]
    old_minutes = utc(now) - timedelta(days=rollup_retention_days)
    with engine.begin() as conn:
        deleted = conn.execute(delete(table).where(table.c.received_at < cutoff)).rowcount
        conn.execute(delete(minutes).where(minutes.c.minute < old_minutes))
    if deleted:
        log.info("pruned %d heartbeats received before %s", deleted, cutoff.isoformat())
    return int(deleted)
