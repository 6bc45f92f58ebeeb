"""The SQL that writes a batch: idempotent, order-safe upserts on SQLite and PostgreSQL.

Every statement is keyed: history rows are inserted once (`ON CONFLICT DO NOTHING`),
current-state rows are replaced only by newer data (`ON CONFLICT DO UPDATE ... WHERE`
newer), so replaying a topic leaves the same rows.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from sinks.sql import rollups
from sinks.sql.batch import Batch, CustomerGone, ProfileGone
from sinks.sql.bulk import execute_many
from sinks.sql.errors import SqlSinkError
from sinks.sql.heartbeats import REPORT_COLUMNS, ProfileReport, heartbeat_row
from sinks.sql.models import (
    AlertDelivery,
    ClientTransition,
    Command,
    CommandHistory,
    Customer,
    HealthTransition,
    Heartbeat,
    Pbx,
    PbxConnectionHealth,
    PbxDelivery,
    PbxSession,
    Profile,
    ProfileRow,
    ProfileState,
)

K = TypeVar("K")
PROFILE_KEY = ("client_id", "profile_type", "profile_id")
PBX_KEY = ("client_id", "pbx_id")
_REPORTED_KEPT = ("last_transaction_id", "last_transaction_at", "last_error", "last_error_at")
Insert = postgresql.Insert | sqlite.Insert


class UnsupportedDatabase(SqlSinkError):
    """The sink writes SQLite and PostgreSQL only."""


def write_batch(conn: Connection, batch: Batch) -> None:
    """Write every row of the batch on `conn` (the caller owns the transaction)."""
    _upsert_newest(conn, _table(Customer), _ordered(batch.customers), ("client_id",), "src_offset")
    _write_profiles(conn, batch.profiles)
    _mark_deleted(conn, batch.customers_gone)
    heartbeats, reported = batch.heartbeats, batch.reported
    _insert_new(conn, _table(Heartbeat), [heartbeat_row(heartbeats[k]) for k in sorted(heartbeats)])
    rollups.write(conn, batch.heartbeat_topic, batch.rollup, lambda t: _insert(conn, t))
    _upsert_reported(conn, [reported[k] for k in sorted(reported)])
    _insert_new(conn, _table(HealthTransition), _ordered(batch.transitions))
    _upsert_health(conn, _ordered(batch.health))
    _insert_new(conn, _table(CommandHistory), _ordered(batch.history))
    _upsert_newest(conn, _table(Command), _ordered(batch.commands), ("command_id",), "seq")
    _write_pbxes(conn, batch)
    _upsert_sessions(conn, _ordered(batch.sessions))
    _insert_new(conn, _table(PbxDelivery), _ordered(batch.deliveries))
    _insert_new(conn, _table(PbxConnectionHealth), _ordered(batch.connections))
    _insert_new(conn, _table(AlertDelivery), _ordered(batch.alert_deliveries))
    _insert_new(conn, _table(ClientTransition), _ordered(batch.client_transitions))


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _ordered(rows: Mapping[K, SQLModel]) -> list[dict[str, Any]]:
    # A fixed order of keys: concurrent writers then lock rows in the same order.
    return [rows[k].model_dump() for k in sorted(rows)]  # type: ignore[type-var]


def _insert(conn: Connection, table: Table) -> Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise UnsupportedDatabase(f"the SQL sink does not support {conn.dialect.name}")


def _insert_new(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key is not there yet; a row already written stays as it is."""
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)


def _upsert_newest(
    conn: Connection, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...], newer: str
) -> None:
    """Insert, or replace the row when the new one's `newer` column is at least the stored one's."""
    if not rows:
        return
    stmt = _insert(conn, table)
    columns = [c for c in rows[0] if c not in key]
    upsert = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={c: stmt.excluded[c] for c in columns},
        where=stmt.excluded[newer] >= table.c[newer],
    )
    conn.execute(upsert, rows)


def _write_profiles(conn: Connection, profiles: Mapping[Any, ProfileRow | ProfileGone]) -> None:
    table = _table(Profile)
    upserts = {k: v for k, v in profiles.items() if isinstance(v, ProfileRow)}
    _upsert_newest(conn, table, _ordered(upserts), PROFILE_KEY, "src_offset")
    gone = [_gone_params(v) for k, v in sorted(profiles.items()) if isinstance(v, ProfileGone)]
    if gone:
        match = [table.c[c] == bindparam(f"b_{c}") for c in PROFILE_KEY]
        stmt = delete(table).where(and_(*match, table.c.src_offset <= bindparam("b_offset")))
        conn.execute(stmt, gone)


def _mark_deleted(conn: Connection, gone: Mapping[str, CustomerGone]) -> None:
    """Rows of deleted customers and of their profiles get `deleted_at` and the deletion's
    offset; rows a newer config event set (the customer created again) stay live."""
    params = [
        {"b_client_id": g.client_id, "b_at": g.at, "b_offset": g.src_offset}
        for _, g in sorted(gone.items())
    ]
    if not params:
        return
    for table in (_table(Customer), _table(Profile)):
        match = and_(
            table.c.client_id == bindparam("b_client_id"),
            table.c.src_offset <= bindparam("b_offset"),
        )
        values: dict[str, Any] = {
            "deleted_at": bindparam("b_at"),
            "src_offset": bindparam("b_offset"),
        }
        conn.execute(update(table).where(match).values(values), params)


def _write_pbxes(conn: Connection, batch: Batch) -> None:
    """pbxes by offset: configurations first, then deletions, which set only `deleted`,
    `updated_at` and `src_offset` (a PBX deleted before any configuration was read gets
    a row without a name)."""
    table = _table(Pbx)
    _upsert_newest(conn, table, _ordered(batch.pbxes), PBX_KEY, "src_offset")
    _upsert_newest(conn, table, _ordered(batch.pbxes_deleted), PBX_KEY, "src_offset")


def _upsert_sessions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """pbx_sessions: replaced by a change at least as late in the log, unless the stored
    session ended and the change is not an end (see `batch.session_supersedes`)."""
    if not rows:
        return
    table = _table(PbxSession)
    stmt = _insert(conn, table)
    ex = stmt.excluded
    set_ = {c: ex[c] for c in rows[0] if c != "session_id"}
    where = and_(
        ex.src_offset >= table.c.src_offset,
        or_(table.c.end_reason.is_(None), ex.end_reason.is_not(None)),
    )
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["session_id"], set_=set_, where=where), rows
    )


def _gone_params(gone: ProfileGone) -> dict[str, Any]:
    client_id, ptype, pid = gone.key
    return {
        "b_client_id": client_id,
        "b_profile_type": ptype,
        "b_profile_id": pid,
        "b_offset": gone.src_offset,
    }


def _upsert_reported(conn: Connection, rows: list[ProfileReport]) -> None:
    """Heartbeat columns of profile_state: newest heartbeat wins, nulls keep the last value."""
    if not rows:
        return
    table = _table(ProfileState)
    stmt = _insert(conn, table)
    ex = stmt.excluded
    set_: dict[str, Any] = {
        "server_status": ex.server_status,
        "last_heartbeat_at": ex.last_heartbeat_at,
    }
    set_.update({c: func.coalesce(ex[c], table.c[c]) for c in _REPORTED_KEPT})
    where = _newer_or_unset(ex.last_heartbeat_at, table.c.last_heartbeat_at)
    upsert = stmt.on_conflict_do_update(index_elements=PROFILE_KEY, set_=set_, where=where)
    execute_many(conn, upsert, REPORT_COLUMNS, rows)


def _upsert_health(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Health columns of profile_state: changed only by an event at least as new."""
    if not rows:
        return
    table = _table(ProfileState)
    stmt = _insert(conn, table)
    ex = stmt.excluded
    set_ = {c: ex[c] for c in ("health", "health_since", "health_reason")}
    where = _newer_or_unset(ex.health_since, table.c.health_since)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=PROFILE_KEY, set_=set_, where=where), rows
    )


def _newer_or_unset(new: ColumnElement[Any], stored: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(stored.is_(None), new >= stored)
