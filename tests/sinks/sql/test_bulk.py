"""`execute_many` stores what `Connection.execute` stores, without its per-row work."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects import sqlite

from sinks.sql.bulk import execute_many
from sinks.sql.database import create_sink_engine
from sinks.sql.migrate import upgrade
from sinks.sql.models import ProfileState

T0 = datetime(2026, 11, 20, 23, 59, 30, 123456, tzinfo=UTC)


def rows() -> list[dict[str, Any]]:
    """Reported states sharing their times, one in another offset and one with nulls."""
    out = []
    for pid in range(1, 6):
        at = T0 + timedelta(seconds=pid // 2)
        out.append({
            "client_id": "acme", "profile_type": 1, "profile_id": pid, "server_status": pid,
            "last_transaction_id": f"t{pid}", "last_transaction_at": at if pid % 2 else None,
            "last_error": None, "last_error_at": at.astimezone(timezone(timedelta(hours=-5))),
            "last_heartbeat_at": at,
        })  # fmt: skip
    return out


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        query = "SELECT * FROM profile_state ORDER BY profile_id"
        return [tuple(r) for r in conn.execute(text(query))]


def test_rows_are_stored_as_execute_stores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    engines = [create_sink_engine("sqlite://") for _ in range(2)]
    for engine in engines:
        upgrade(engine)
    stmt = sqlite.insert(ProfileState.__table__)  # type: ignore[attr-defined]
    with engines[0].begin() as conn:
        conn.execute(stmt, rows())
    with engines[1].begin() as conn:
        monkeypatch.setattr(conn, "execute", None)  # the driver's executemany only
        columns = list(rows()[0])
        execute_many(conn, stmt, columns, [tuple(row.values()) for row in rows()])
    assert stored(engines[1]) == stored(engines[0])
    assert len(stored(engines[0])) == 5
