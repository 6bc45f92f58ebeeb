"""Engines for the sink's database: SQLite (a local file) or PostgreSQL."""

import sqlite3
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from sinks.sql.errors import SqlSinkError

SUPPORTED = ("sqlite", "postgresql")


class UnsupportedDatabaseUrl(SqlSinkError):
    """HUB_DATABASE_URL names a database the sink does not write."""


def create_sink_engine(url: str, *, sqlite_busy_timeout_s: float = 5.0) -> Engine:
    """An engine for `url`; for SQLite, the file's folder is created and WAL is turned on."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise UnsupportedDatabaseUrl(
            f"HUB_DATABASE_URL must be SQLite or PostgreSQL, not {backend}"
        )
    if backend == "postgresql":
        # pre_ping: connections from before a server restart are replaced, not used once and
        # lost; connect_timeout: an unreachable server fails the batch instead of hanging it.
        return create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
            json_serializer=_json,
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed, connect_args={"timeout": sqlite_busy_timeout_s}, json_serializer=_json
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _json(value: Any) -> str:
    """JSON columns (a profile's whole configuration) by orjson: the standard library's
    encoder was a twentieth of the sink's time in a bulk import."""
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets dashboards read while the sink writes; synchronous stays FULL so that a
    # committed batch (whose offsets are then committed) survives a power cut.
    assert isinstance(dbapi_connection, sqlite3.Connection)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()
