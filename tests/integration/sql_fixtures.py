"""Pytest fixtures for tests that need real SQL databases: SQLite files and PostgreSQL.

`postgres_server` (session) makes sure a PostgreSQL server runs, installing Debian's
package on a fresh machine. `sql_database` gives each test a fresh, empty database,
once on SQLite and once on PostgreSQL; its `outage()` takes the database away. A test
marked `stops_postgres` gets its database on the cluster of its own that outages stop
(`postgres.OUTAGE_PORT`), so the tests on the shared server run beside it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from localkafka import postgres
from sinks.sql.database import create_sink_engine

ENGINES = ("sqlite", "postgresql")
# Short, so that an outage makes writes fail quickly instead of waiting for the lock.
SQLITE_BUSY_TIMEOUT_S = 0.2


@dataclass
class SqlDatabase:
    """A fresh database for one test: its URL, an engine on it, and a way to take it away."""

    kind: str
    url: str
    sqlite_path: Path | None = None
    port: int = postgres.PORT
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """An engine on the database, made on first use and disposed after the test."""
        if self._engine is None:
            self._engine = create_sink_engine(self.url, sqlite_busy_timeout_s=SQLITE_BUSY_TIMEOUT_S)
        return self._engine

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """The database cannot be written inside the block.

        PostgreSQL: the server is stopped (fast shutdown, which drops every
        connection) and started again on leaving. SQLite: another connection holds
        the file's write lock, as a long maintenance transaction or a backup does;
        making the file read-only would not do, since root ignores permissions.
        """
        if self.sqlite_path is None:
            postgres.stop_postgres(self.port)
            try:
                yield
            finally:
                postgres.start_postgres(self.port)
            return
        lock = sqlite3.connect(self.sqlite_path, timeout=10, isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            lock.close()  # rolls back, releasing the lock

    def dispose(self) -> None:
        """Close the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the session's PostgreSQL server (installed and started when needed)."""
    return postgres.ensure_postgres()


@pytest.fixture(scope="session")
def postgres_outage_server() -> str:
    """The URL of the PostgreSQL cluster that outage tests stop (created when needed)."""
    return postgres.ensure_postgres(postgres.OUTAGE_PORT)


@pytest.fixture(params=ENGINES)
def sql_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlDatabase]:
    """A fresh empty database, on SQLite then on PostgreSQL (the test runs once on each)."""
    kind = str(request.param)
    if kind == "sqlite":
        path = tmp_path / "sink.db"
        db = SqlDatabase(kind, f"sqlite:///{path}", sqlite_path=path)
        yield db
        db.dispose()
        return
    stops = request.node.get_closest_marker("stops_postgres") is not None
    port = postgres.OUTAGE_PORT if stops else postgres.PORT
    request.getfixturevalue("postgres_outage_server" if stops else "postgres_server")
    db = SqlDatabase(kind, postgres.create_database(port=port), port=port)
    try:
        yield db
    finally:
        db.dispose()
        postgres.drop_database(db.url)


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every sink table, in key order, with times made aware (UTC).

    SQLite gives naive datetimes and PostgreSQL aware ones; normalised, snapshots of
    the two engines compare equal.
    """
    result = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows = conn.execute(query).mappings()
            result[table.name] = [{k: _aware(v) for k, v in row.items()} for row in rows]
    return result


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value
