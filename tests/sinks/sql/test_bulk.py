"""`execute_many` stores what `Connection.execute` stores, without its per-row work."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg

from sinks.sql.bulk import _value_names, _values_row, execute_many
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


def test_postgresql_statement_is_split_around_its_one_values_row() -> None:
    table = ProfileState.__table__  # type: ignore[attr-defined]
    stmt = postgresql.insert(table)
    keys = ["client_id", "profile_type", "profile_id"]
    set_ = {"server_status": stmt.excluded.server_status}
    upsert = stmt.on_conflict_do_update(index_elements=keys, set_=set_)
    sql = upsert.compile(dialect=psycopg.dialect(), column_keys=keys).string
    assert _value_names(sql) == keys
    assert _values_row(sql) == (
        "INSERT INTO profile_state (client_id, profile_type, profile_id) VALUES ",
        "(%s::VARCHAR, %s::SMALLINT, %s::INTEGER)",
        " ON CONFLICT (client_id, profile_type, profile_id)"
        " DO UPDATE SET server_status = excluded.server_status",
    )
    where = table.c.server_status == 3
    other = stmt.on_conflict_do_update(index_elements=keys, set_=set_, where=where)
    assert _value_names(other.compile(dialect=psycopg.dialect(), column_keys=keys).string) == []
