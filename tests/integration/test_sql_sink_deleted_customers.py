"""A deleted customer in SQL (SQLite and PostgreSQL): its rows stay, marked, until created again."""

from datetime import datetime
from typing import Any

import pytest
from sqlmodel import SQLModel

from schemas.events import CommandState, Health
from sinks.sql.events import Event
from sinks.sql.migrate import upgrade
from sinks.sql.writer import SqlWriter
from tests.integration.sql_fixtures import SqlDatabase, snapshot
from tests.sinks.sql import samples as s

pytestmark = pytest.mark.integration


def life() -> list[Event]:
    """Configured, beating, deleted, then created again with one profile of the old ones."""
    return [
        s.customer(),
        s.inbound(pid=1),
        s.outbound(pid=1),
        s.heartbeat(0, s.entry(1)),
        s.health(1, Health.up, Health.new),
        s.command(0, CommandState.queued),
        s.command(1, CommandState.cancelled, seconds=60),
        s.customer_deleted(60),
        s.customer(name="Acme again"),
        s.inbound(pid=1, name="lab again"),
    ]


def write(db: SqlDatabase, events: list[Event], *, per_batch: int, first: int = 0) -> None:
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    for i, event in enumerate(events):
        writer.add(event, offset=first + i)
        if len(writer) >= per_batch:
            writer.flush()
    writer.flush()


def deleted_at(rows: dict[str, list[dict[str, Any]]], table: str) -> dict[Any, datetime | None]:
    key = ("client_id",) if table == "customers" else ("client_id", "profile_type", "profile_id")
    return {tuple(r[k] for k in key): r["deleted_at"] for r in rows[table]}


@pytest.fixture
def db(sql_database: SqlDatabase) -> SqlDatabase:
    upgrade(sql_database.engine)
    return sql_database


def test_deletion_marks_the_customer_and_its_profiles_and_keeps_history(db: SqlDatabase) -> None:
    write(db, life()[:8], per_batch=1)
    rows = snapshot(db.engine)
    assert deleted_at(rows, "customers") == {("acme",): s.at(60)}
    assert deleted_at(rows, "profiles") == {("acme", 1, 1): s.at(60), ("acme", 2, 1): s.at(60)}
    assert len(rows["heartbeats"]) == 1
    assert len(rows["health_transitions"]) == 1
    assert [(r["state"], r["final"]) for r in rows["commands"]] == [("cancelled", True)]
    assert rows["profile_state"] != []


def test_created_again_is_live_and_only_what_was_configured_again(db: SqlDatabase) -> None:
    write(db, life(), per_batch=1)
    rows = snapshot(db.engine)
    assert deleted_at(rows, "customers") == {("acme",): None}
    assert [r["name"] for r in rows["customers"]] == ["Acme again"]
    assert deleted_at(rows, "profiles") == {("acme", 1, 1): None, ("acme", 2, 1): s.at(60)}


@pytest.mark.parametrize("per_batch", [3, 100])
def test_batches_give_the_rows_of_one_by_one(db: SqlDatabase, per_batch: int) -> None:
    write(db, life(), per_batch=1)
    one_by_one = snapshot(db.engine)
    with db.engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
    write(db, life(), per_batch=per_batch)
    assert snapshot(db.engine) == one_by_one


def test_a_replayed_deletion_does_not_delete_the_customer_created_again(db: SqlDatabase) -> None:
    events = life()
    write(db, events, per_batch=1)
    once = snapshot(db.engine)
    write(db, events[7:8], per_batch=1, first=7)  # the deletion read again, at its offset
    assert snapshot(db.engine) == once
