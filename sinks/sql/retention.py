"""Retention: heartbeats older than `heartbeat_retention_days` are deleted."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete

from sinks.sql.models import Heartbeat
from sinks.sql.rows import utc

log = logging.getLogger(__name__)


def prune_heartbeats(engine: Engine, *, now: datetime, retention_days: int) -> int:
    """Delete heartbeats received before `now - retention_days`; returns how many went."""
    cutoff = utc(now) - timedelta(days=retention_days)
    table = Heartbeat.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        deleted = conn.execute(delete(table).where(table.c.received_at < cutoff)).rowcount
    if deleted:
        log.info("pruned %d heartbeats received before %s", deleted, cutoff.isoformat())
    return int(deleted)
