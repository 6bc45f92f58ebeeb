"""The SQL writer on real databases (SQLite and PostgreSQL): idempotent, order-safe rows."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from schemas.enums import ServerStatus
from schemas.events import CommandState, Health
from schemas.pbx import EndReason
from schemas.pbx_topics import Outcome
from schemas.pbx_upstream import ConnectionState
from sinks.sql.errors import DatabaseUnavailable
from sinks.sql.events import Event
from sinks.sql.migrate import upgrade
from sinks.sql.retention import prune_heartbeats
from sinks.sql.writer import SqlWriter
from tests.integration.sql_fixtures import SqlDatabase, snapshot
from tests.sinks.sql import samples as s

pytestmark = pytest.mark.integration


def history() -> list[Event]:
    """A small life of one customer: config, heartbeats, a command, health changes, a PBX."""
    return [
        s.pbx(0),
        s.session(s.OPENED, 2),
        s.customer(),
        s.inbound(pid=1),
        s.inbound(pid=2, name="adt"),
        s.outbound(pid=1),
        s.heartbeat(0, s.entry(1, tx="t1", tx_at=s.at(-5)), s.entry(2)),
        s.health(1, Health.up, Health.new),
        s.command(0, CommandState.queued),
        s.heartbeat(
            30, s.entry(1), s.entry(2, ServerStatus.Error, error="port busy", tx_at=s.at(29))
        ),
        s.command(1, CommandState.delivered, seconds=30, deliveries=1),
        s.health(31, Health.error, Health.up, pid=2),
        s.customer(name="Acme Corp"),
        s.deleted(pid=2),
        s.heartbeat(60, s.entry(1, ServerStatus.Stopped)),
        s.command(2, CommandState.acknowledged, seconds=60, deliveries=1),
        s.health(61, Health.stopped, Health.up),
        s.delivery(1, 1, Outcome.failed, seconds=3),
        s.session(s.RENEWED, 30),
        s.delivery(1, 2, seconds=33, latency_s=0.12),
        s.pbx(40, "Reception"),
        s.session(s.ENDED, 62, ended=EndReason.logged_out),
        s.session(s.RENEWED, 50),  # published again after the end (a worker's retry, say)
        s.delivery(1, 2, seconds=33, latency_s=0.12),  # the same attempt twice
        s.pbx_deleted(70),
        s.pbx_deleted(0, pbx_id="p2"),  # never configured, as far as the sink read
        s.pbx(80, "Lab", pbx_id="p2"),
        s.connection(81, ConnectionState.locked),
        s.connection(81, ConnectionState.locked),  # the same change twice
    ]


def write(db: SqlDatabase, events: list[Event], *, per_batch: int) -> None:
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    for i, event in enumerate(events):
        writer.add(event, offset=i)
        if len(writer) >= per_batch:
            writer.flush()
    writer.flush()


@pytest.fixture
def db(sql_database: SqlDatabase) -> SqlDatabase:
    upgrade(sql_database.engine)
    return sql_database


def test_batch_gives_the_rows_of_events_written_one_by_one(db: SqlDatabase) -> None:
    write(db, history(), per_batch=1)
    one_by_one = snapshot(db.engine)
    with db.engine.begin() as conn:
        for table in one_by_one:
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (our own table names)
    write(db, history(), per_batch=1000)
    assert snapshot(db.engine) == one_by_one


def test_writing_everything_again_changes_no_row(db: SqlDatabase) -> None:
    write(db, history(), per_batch=4)
    first = snapshot(db.engine)
    write(db, history(), per_batch=3)
    assert snapshot(db.engine) == first


def test_rows_hold_the_latest_state_and_every_change(db: SqlDatabase) -> None:
    write(db, history(), per_batch=5)
    rows = snapshot(db.engine)
    assert [r["name"] for r in rows["customers"]] == ["Acme Corp"]
    profiles = [(r["profile_type"], r["profile_id"]) for r in rows["profiles"]]
    assert profiles == [(1, 1), (2, 1)]  # inbound 2 was deleted
    assert len(rows["heartbeats"]) == 5
    assert len(rows["health_transitions"]) == 3
    states = [r["state"] for r in rows["command_history"]]
    assert states == ["queued", "delivered", "acknowledged"]
    with db.engine.connect() as conn:
        cmd = conn.execute(text("SELECT state, seq, final FROM commands")).one()
        state = conn.execute(
            text(
                "SELECT server_status, last_transaction_id, health FROM profile_state "
                "WHERE profile_type = 1 AND profile_id = 1"
            )
        ).one()
    assert tuple(cmd) == ("acknowledged", 2, True)
    # Stopped at 60 s; the transaction reported at 0 s is still the last one known.
    assert tuple(state) == (int(ServerStatus.Stopped), "t1", "stopped")


def test_older_events_do_not_overwrite_newer_state(db: SqlDatabase) -> None:
    write(db, [s.heartbeat(60, s.entry(1, ServerStatus.Stopped)), s.health(61, Health.stopped)],
          per_batch=10)  # fmt: skip
    write(db, [s.heartbeat(0, s.entry(1, ServerStatus.Started)), s.health(1, Health.up)],
          per_batch=10)  # fmt: skip
    with db.engine.connect() as conn:
        state = conn.execute(text("SELECT server_status, health FROM profile_state")).one()
        transitions = conn.execute(text("SELECT COUNT(*) FROM health_transitions")).scalar()
    assert tuple(state) == (int(ServerStatus.Stopped), "stopped")
    assert transitions == 2  # both changes are history, whatever order they came in


def test_stale_config_and_command_changes_do_not_overwrite_newer_rows(db: SqlDatabase) -> None:
    newer: list[Event] = [
        s.customer(name="new"), s.inbound(name="new"), s.command(2, CommandState.expired),
    ]  # fmt: skip
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    for event in newer:
        writer.add(event, offset=10)
    writer.flush()
    stale: list[Event] = [
        s.customer(name="old"), s.inbound(name="old"), s.command(1, CommandState.delivered),
        s.deleted(),
    ]  # fmt: skip
    for event in stale:
        writer.add(event, offset=5)  # read before the newer ones, say by a lagging replica
    writer.flush()
    rows = snapshot(db.engine)
    assert [r["name"] for r in rows["customers"]] == ["new"]
    assert [r["profile_name"] for r in rows["profiles"]] == ["new"]  # not deleted either
    assert [(r["seq"], r["state"]) for r in rows["commands"]] == [(2, "expired")]


def test_pbx_rows_hold_the_latest_state_and_every_attempt(db: SqlDatabase) -> None:
    write(db, history(), per_batch=4)
    rows = snapshot(db.engine)
    assert [(r["pbx_id"], r["name"], r["deleted"], r["updated_at"]) for r in rows["pbxes"]] == [
        ("p1", "Reception", True, s.at(70)),  # the deletion keeps the name it had
        ("p2", "Lab", False, s.at(80)),  # configured after its deletion
    ]
    [session] = rows["pbx_sessions"]
    assert (session["state"], session["end_reason"], session["ended_at"]) == (
        "logged-out", "logged-out", s.at(62),
    )  # fmt: skip
    assert session["last_seen"] == s.at(0)  # the end's snapshot, not the renewal after it
    deliveries = [
        (r["id"], r["outcome"], r["status"], r["latency_ms"]) for r in rows["pbx_deliveries"]
    ]
    assert deliveries == [("s1:1:1", "failed", 503, 50), ("s1:1:2", "delivered", 200, 120)]
    changes = [(r["from_state"], r["to_state"], r["at"]) for r in rows["pbx_connection_health"]]
    assert changes == [("connected", "locked", s.at(81))]


def test_stale_pbx_changes_do_not_overwrite_newer_rows(db: SqlDatabase) -> None:
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    writer.add(s.pbx(40, "new"), offset=10)
    writer.add(s.session(s.ENDED, 90, ended=EndReason.expired), offset=11)
    writer.flush()
    stale: list[Event] = [s.pbx(0, "old"), s.pbx_deleted(1), s.session(s.RENEWED, 60)]
    for event in stale:
        writer.add(event, offset=5)  # read before the newer ones, say by a lagging replica
    writer.flush()
    writer.add(s.session(s.RENEWED, 60), offset=12)  # a renewal after the end, replayed
    writer.flush()
    rows = snapshot(db.engine)
    assert [(r["name"], r["deleted"], r["src_offset"]) for r in rows["pbxes"]] == [
        ("new", False, 10)
    ]
    assert [(r["state"], r["src_offset"]) for r in rows["pbx_sessions"]] == [("expired", 11)]


def test_a_row_the_database_refuses_is_skipped_and_the_rest_written(db: SqlDatabase) -> None:
    poison = "RAISE(ABORT, 'poison')" if db.kind == "sqlite" else None
    with db.engine.begin() as conn:
        if poison:
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON heartbeats WHEN NEW.client_id = 'bad' "
                f"BEGIN SELECT {poison}; END"
            ))  # fmt: skip
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "IF NEW.client_id = 'bad' THEN RAISE EXCEPTION 'poison' USING ERRCODE = '22000'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON heartbeats "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            ))  # fmt: skip
    events: list[Event] = [s.heartbeat(0), s.heartbeat(1, client_id="bad"), s.heartbeat(2)]
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    for i, event in enumerate(events):
        writer.add(event, offset=i)
    writer.flush()
    assert len(writer) == 0
    with db.engine.connect() as conn:
        clients = conn.execute(text("SELECT client_id FROM heartbeats")).scalars().all()
    assert clients == ["acme", "acme"]


@pytest.mark.stops_postgres
def test_outage_raises_unavailable_and_leaves_nothing_half_written(db: SqlDatabase) -> None:
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    write(db, history()[:3], per_batch=10)
    before = snapshot(db.engine)
    with db.outage():
        for i, event in enumerate(history()[3:]):
            writer.add(event, offset=i)
        with pytest.raises(DatabaseUnavailable):
            writer.flush()
        assert len(writer) == 0  # the batch is cleared even when it failed
    assert snapshot(db.engine) == before
    write(db, history(), per_batch=10)
    assert len(snapshot(db.engine)["heartbeats"]) == 5


def test_heartbeats_past_retention_are_not_written_and_are_pruned(db: SqlDatabase) -> None:
    now = s.at(0) + timedelta(days=2)
    writer = SqlWriter(db.engine, retention_days=1, clock=lambda: now)
    writer.add(s.heartbeat(0), offset=0)  # two days old: past retention
    writer.add(s.heartbeat(86400 + 60), offset=1)  # 23 h old
    assert writer.flush() == 4  # the recent heartbeat, the state, both minute rollups
    assert [r["received_at"] for r in snapshot(db.engine)["heartbeats"]] == [s.at(86400 + 60)]
    assert prune_heartbeats(db.engine, now=now + timedelta(hours=2), retention_days=1) == 1
    assert snapshot(db.engine)["heartbeats"] == []


def minutes(db: SqlDatabase) -> list[tuple[object, ...]]:
    """The heartbeat_minutes rows: key, counts and last status."""
    with db.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT profile_type, profile_id, heartbeats, started, error, last_status"
                    " FROM heartbeat_minutes ORDER BY minute, profile_type, profile_id"
                )
            )
        ]


def test_minute_rollups_count_each_heartbeat_once_even_when_a_batch_is_read_again(
    db: SqlDatabase,
) -> None:
    beats = [  # s.at(0) is 23:59:30, so minute 23:59 ends at 30 and 00:00 begins
        s.heartbeat(30, s.entry(1), s.entry(2)),
        s.heartbeat(50, s.entry(1, ServerStatus.Error, error="port busy")),
        s.heartbeat(70, s.entry(1)),
        s.heartbeat(100, s.entry(1)),
    ]
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0), raw_heartbeats=False)
    for offset, beat in enumerate(beats):
        writer.add(beat, offset=offset, partition=3)
    writer.flush()
    # The same records again (a crash before the Kafka offsets were committed), then one new.
    for offset, beat in enumerate([*beats, s.heartbeat(110, s.entry(2))]):
        writer.add(beat, offset=offset, partition=3)
    writer.flush()
    assert minutes(db) == [
        (1, 1, 3, 2, 1, 1),  # 00:00: three beats of profile 1, the last one Started
        (1, 2, 1, 1, 0, 1),
        (1, 1, 1, 1, 0, 1),  # 00:01
        (1, 2, 1, 1, 0, 1),
    ]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM heartbeats")).scalar() == 0


def test_minute_rollups_of_other_partitions_are_counted_independently(db: SqlDatabase) -> None:
    writer = SqlWriter(db.engine, retention_days=3650, clock=lambda: s.at(0))
    writer.add(s.heartbeat(31, s.entry(1)), offset=5, partition=0)
    writer.flush()
    writer.add(s.heartbeat(32, s.entry(1)), offset=2, partition=1)  # lower offset, other partition
    writer.flush()
    assert minutes(db) == [(1, 1, 2, 2, 0, 1)]
