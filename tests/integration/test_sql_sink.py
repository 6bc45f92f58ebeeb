"""The SQL sink against the real broker and real databases: rows, replay, outage, service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from pydantic import SecretStr
from sqlalchemy import text

from localkafka.broker import LocalBroker
from processors.create_topics import ensure_topics
from schemas.alert_delivery import AttemptOutcome, ChannelAttempt
from schemas.enums import ProfileType, ServerStatus
from schemas.events import (
    ClientHealthEvent,
    CommandEvent,
    CommandState,
    Health,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.pbx import EndReason
from schemas.pbx_topics import ChangeKind, DeliveryAttempt, Outcome, PbxChange
from schemas.pbx_upstream import ConnectionState
from schemas.settings import KafkaSettings
from schemas.topics import HeartbeatMessage, TopicNames, config_key, partition_for
from sinks.sql.consumer import SqlSink
from sinks.sql.events import Event
from sinks.sql.migrate import upgrade
from sinks.sql.settings import SqlSinkSettings
from tests.integration.sql_fixtures import SqlDatabase, snapshot
from tests.sinks.sql import samples as s

pytestmark = pytest.mark.integration

PARTITIONS = 2
WAIT_S = 60.0
SEND_TIMEOUT_S = 20.0


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def workload(clients: int, beats: int, *, start: float = 0) -> list[Event]:
    """Config, then `beats` heartbeats of two profiles, a health change of a profile and of
    the client, and a command each."""
    ids = [f"c{c}" for c in range(clients)]
    events: list[Event] = []
    for n, cid in enumerate(ids):
        events += [s.customer(cid, f"Customer {n}", n + 1), s.inbound(cid), s.outbound(cid)]
    for b in range(beats):
        for cid in ids:
            inbound = s.entry(1, tx=f"t{b}", tx_at=s.at(start + b * 10 - 1))
            outbound = s.entry(1, ServerStatus.Stopped, ptype=ProfileType.Outbound)
            events.append(s.heartbeat(start + b * 10, inbound, outbound, client_id=cid))
    for cid in ids:
        events.append(s.health(start + 1, Health.up, Health.new, client_id=cid))
        events.append(s.client_health(start + 1, Health.up, Health.new, client_id=cid))
        cmd = f"{cid}-{start}"
        events += [
            s.command(0, CommandState.queued, command_id=cmd, client_id=cid, seconds=start),
            s.command(1, CommandState.delivered, command_id=cmd, client_id=cid, deliveries=1),
            s.command(2, CommandState.acknowledged, command_id=cmd, client_id=cid, deliveries=1),
        ]
    return events


def pbx_workload(clients: int) -> list[Event]:
    """Two PBXes a client, one deleted; a session's life and its deliveries, some twice;
    the upstream connection of the first connecting, going down and back, one change twice;
    an alert to the client's channel refused, then delivered, the refusal published twice."""
    events: list[Event] = []
    for cid in (f"c{c}" for c in range(clients)):
        events += connection_changes(cid)
        sid = f"{cid}-s1"
        renewed = s.session(ChangeKind.session_renewed, 60, session_id=sid, client_id=cid)
        ended = s.session(
            ChangeKind.session_ended, 90, ended=EndReason.logged_out, session_id=sid, client_id=cid
        )
        failed = s.delivery(1, 1, Outcome.failed, seconds=2, session_id=sid, client_id=cid)
        delivered = s.delivery(1, 2, seconds=4, session_id=sid, client_id=cid)
        events += [
            s.pbx(0, f"PBX of {cid}", client_id=cid), s.pbx(0, "Lab", client_id=cid, pbx_id="p2"),
            s.session(ChangeKind.session_opened, 1, session_id=sid, client_id=cid),
            failed, delivered, delivered, renewed, ended,
            renewed,  # published again after the end
            s.pbx_deleted(100, client_id=cid, pbx_id="p2"),
        ]  # fmt: skip
        refused = s.channel_attempt(1, AttemptOutcome.failed, seconds=5, client_id=cid)
        events += [refused, s.channel_attempt(2, seconds=9, client_id=cid), refused]
    return events


CONNECTION_LIFE = (
    (0, None, ConnectionState.connecting),
    (1, ConnectionState.connecting, ConnectionState.connected),
    (30, ConnectionState.connected, ConnectionState.down),
    (50, ConnectionState.down, ConnectionState.connected),
)
"""(seconds, from, to) of a PBX's upstream connection: logged in, lost, back."""


def connection_changes(cid: str) -> list[Event]:
    """The changes of CONNECTION_LIFE for PBX p1 of `cid`; the loss is published twice."""
    changes = [s.connection(t, to, frm, client_id=cid) for t, frm, to in CONNECTION_LIFE]
    return [*changes, changes[2]]


@dataclass
class Stream:
    """Fresh topics of one hub (a fresh prefix) on the test broker, and a producer to them."""

    bootstrap: str
    names: TopicNames
    producer: KafkaProducer

    def send(self, events: list[Event]) -> int:
        """Publish events as the hub does (partition by clientId, acks=all); returns the count."""
        futures = []
        for event in events:
            topic, key, value, partition = self._route(event)
            futures.append(self.producer.send(topic, value=value, key=key, partition=partition))
        for future in futures:
            future.get(timeout=SEND_TIMEOUT_S)
        return len(futures)

    def _route(self, event: Event) -> tuple[str, bytes, bytes, int]:
        partition = partition_for(event.client_id, PARTITIONS)
        value = event.model_dump_json().encode()
        if isinstance(event, HeartbeatMessage):
            return self.names.heartbeats, event.client_id.encode(), value, partition
        if isinstance(event, CommandEvent):
            return self.names.command_events, event.client_id.encode(), value, partition
        if isinstance(event, HealthEvent | ClientHealthEvent | PbxConnectionEvent):
            return self.names.health_events, event.client_id.encode(), value, partition
        if isinstance(event, PbxChange):
            return self.names.pbx_changes, event.client_id.encode(), value, partition
        if isinstance(event, DeliveryAttempt):
            return self.names.pbx_deliveries, event.client_id.encode(), value, partition
        if isinstance(event, ChannelAttempt):
            return self.names.alert_deliveries, event.client_id.encode(), value, partition
        return self.names.config, config_key(event), value, partition

    def lag(self, group: str) -> int:
        """Records of the sink's topics that `group` has not committed yet."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                return self._lag(group)
            except KafkaError:
                # The group's coordinator moves or loads at first; ask again.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _lag(self, group: str) -> int:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            tps = [TopicPartition(t, p) for t in self.sunk() for p in range(PARTITIONS)]
            ends = consumer.end_offsets(tps)
            committed = admin.list_group_offsets(group).get(group, {})
            return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in tps)
        finally:
            consumer.close()
            admin.close()

    def sunk(self) -> list[str]:
        """The topics the sink reads."""
        n = self.names
        return [
            n.config, n.heartbeats, n.command_events, n.health_events,
            n.pbx_changes, n.pbx_deliveries, n.alert_deliveries,
        ]  # fmt: skip


@pytest.fixture
def stream(kafka_broker: LocalBroker) -> Iterator[Stream]:
    prefix = f"sql-{uuid.uuid4().hex[:10]}."
    settings = KafkaSettings(
        kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=prefix, partitions=PARTITIONS
    )
    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all", linger_ms=5)
    try:
        yield Stream(kafka_broker.bootstrap, TopicNames(prefix), producer)
    finally:
        producer.close()


def sink_settings(stream: Stream, db: SqlDatabase, group: str | None = None) -> SqlSinkSettings:
    return SqlSinkSettings(
        kafka_bootstrap=stream.bootstrap,
        topic_prefix=stream.names.prefix,
        partitions=PARTITIONS,
        database_url=SecretStr(db.url),
        consumer_group=group,
        heartbeat_retention_days=3650,  # the samples are from a fixed day
        raw_heartbeats=True,  # so that the rollups can be checked against the raw rows
        batch_size=50,
        batch_linger_s=0.1,
        retry_backoff_max_s=1.0,
        sqlite_busy_timeout_s=0.2,
        # A join that kafka-python leaves hanging (rarely, on a loaded machine) is given up
        # well within a test's waits (60 s), as the sink's own recovery does.
        rejoin_timeout_s=15.0,
    )


@contextlib.contextmanager
def running_sink(settings: SqlSinkSettings, db: SqlDatabase) -> Iterator[SqlSink]:
    """The sink consuming in a thread; stopped (and joined) on leaving."""
    upgrade(db.engine)
    sink = SqlSink(settings, db.engine)
    stop = threading.Event()
    thread = threading.Thread(target=sink.run, args=(stop,), name="sql-sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        stop.set()
        thread.join(WAIT_S)
        assert not thread.is_alive(), "the sink did not stop"


def count(db: SqlDatabase, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())  # noqa: S608


def counted(db: SqlDatabase) -> int:
    """Heartbeat entries the minute rollups counted."""
    with db.engine.connect() as conn:
        total = conn.execute(text("SELECT SUM(heartbeats) FROM heartbeat_minutes")).scalar()
        return int(total or 0)


def test_sink_writes_every_topic_into_its_tables(stream: Stream, sql_database: SqlDatabase) -> None:
    sent = stream.send(workload(clients=5, beats=20) + pbx_workload(clients=5))
    settings = sink_settings(stream, sql_database)
    with running_sink(settings, sql_database) as sink:
        wait_until(lambda: stream.lag(settings.group_id) == 0, "the sink to commit everything")
    assert sink.stats.skipped_records == 0
    rows = snapshot(sql_database.engine)
    minutes = rows.pop("heartbeat_minutes")
    assert {r["partition"] for r in rows.pop("sink_progress")} <= set(range(PARTITIONS))
    assert {t: len(r) for t, r in rows.items()} == {
        "customers": 5, "profiles": 10, "profile_state": 10, "heartbeats": 5 * 20 * 2,
        "health_transitions": 5, "commands": 5, "command_history": 15,
        "pbxes": 5 * 2, "pbx_sessions": 5, "pbx_deliveries": 5 * 2,
        "pbx_connection_health": 5 * 4, "alert_deliveries": 5 * 2, "client_health_transitions": 5,
    }  # fmt: skip
    assert sum(m["heartbeats"] for m in minutes) == 5 * 20 * 2
    assert sent == 5 * 3 + 5 * 20 + 5 * 5 + 5 * 18
    inbound = [r for r in rows["profile_state"] if r["profile_type"] == 1]
    assert {(r["last_transaction_id"], r["health"]) for r in inbound} == {("t19", "up")}
    assert {r["state"] for r in rows["commands"]} == {"acknowledged"}


def test_consuming_everything_twice_gives_the_same_rows(
    stream: Stream, sql_database: SqlDatabase
) -> None:
    stream.send(workload(clients=4, beats=15) + pbx_workload(clients=4))
    first = sink_settings(stream, sql_database)
    with running_sink(first, sql_database):
        wait_until(lambda: stream.lag(first.group_id) == 0, "the first pass to finish")
    once = snapshot(sql_database.engine)
    # A fresh consumer group reads every topic from the start again, into the same tables.
    again = sink_settings(stream, sql_database, group=f"replay-{uuid.uuid4().hex[:8]}")
    with running_sink(again, sql_database) as replay:
        wait_until(lambda: stream.lag(again.group_id) == 0, "the replay to finish")
    assert replay.stats.rows >= sum(len(rows) for rows in once.values())
    assert snapshot(sql_database.engine) == once


def test_sink_keeps_pbxes_sessions_and_deliveries(
    stream: Stream, sql_database: SqlDatabase
) -> None:
    stream.send(pbx_workload(clients=3))
    settings = sink_settings(stream, sql_database)
    with running_sink(settings, sql_database) as sink:
        wait_until(lambda: stream.lag(settings.group_id) == 0, "the sink to commit everything")
    assert sink.stats.skipped_records == 0
    rows = snapshot(sql_database.engine)
    pbxes = {(r["client_id"], r["pbx_id"]): (r["name"], r["deleted"]) for r in rows["pbxes"]}
    assert pbxes == {
        **{(f"c{c}", "p1"): (f"PBX of c{c}", False) for c in range(3)},
        **{(f"c{c}", "p2"): ("Lab", True) for c in range(3)},
    }
    sessions = {r["session_id"]: r for r in rows["pbx_sessions"]}
    assert sorted(sessions) == ["c0-s1", "c1-s1", "c2-s1"]
    assert {(r["state"], r["end_reason"], r["ended_at"]) for r in sessions.values()} == {
        ("logged-out", "logged-out", s.at(90))
    }  # the renewal published after the end did not revive a session
    attempts = [(r["id"], r["outcome"], r["status"]) for r in rows["pbx_deliveries"]]
    assert attempts == [
        (f"c{c}-s1:1:{n}", outcome, status)
        for c in range(3)
        for n, outcome, status in ((1, "failed", 503), (2, "delivered", 200))
    ]
    changes = sorted(
        (r["client_id"], r["at"], r["pbx_id"], r["from_state"], r["to_state"], r["pbx_name"])
        for r in rows["pbx_connection_health"]
    )
    assert changes == [  # the loss published twice is one row
        (f"c{c}", s.at(t), "p1", frm, to, "Front desk")
        for c in range(3)
        for t, frm, to in CONNECTION_LIFE
    ]


@pytest.mark.stops_postgres
def test_database_outage_loses_no_row_and_commits_nothing_unwritten(
    stream: Stream, sql_database: SqlDatabase
) -> None:
    before, during = workload(clients=3, beats=10), workload(clients=3, beats=10, start=1000)
    settings = sink_settings(stream, sql_database)
    with running_sink(settings, sql_database) as sink:
        stream.send(before)
        wait_until(lambda: stream.lag(settings.group_id) == 0, "the first part to be written")
        with sql_database.outage():
            pending = stream.send(during)
            wait_until(lambda: sink.stats.failed_batches >= 2, "writes to fail during the outage")
            assert stream.lag(settings.group_id) == pending  # no offset committed past the outage
        wait_until(lambda: stream.lag(settings.group_id) == 0, "the sink to catch up")
    assert count(sql_database, "heartbeats") == 2 * 3 * 10 * 2
    assert counted(sql_database) == 2 * 3 * 10 * 2
    assert count(sql_database, "command_history") == 2 * 3 * 3
    assert count(sql_database, "health_transitions") == 2 * 3


def test_two_replicas_share_the_partitions_and_write_every_row_once(
    stream: Stream, sql_database: SqlDatabase
) -> None:
    settings = sink_settings(stream, sql_database)
    first_part, second_part = (
        workload(clients=6, beats=10),
        workload(clients=6, beats=10, start=500),
    )
    with running_sink(settings, sql_database) as one:
        stream.send(first_part)
        wait_until(lambda: one.stats.batches > 0, "the first replica to write")
        # The second replica joins mid-stream: the first flushes and commits on revocation.
        with running_sink(settings, sql_database) as two:
            wait_until(lambda: two.stats.partitions > 0, "the second replica to get partitions")
            stream.send(second_part)
            wait_until(lambda: stream.lag(settings.group_id) == 0, "both replicas to finish")
    assert one.stats.batches > 0
    assert two.stats.batches > 0
    assert count(sql_database, "heartbeats") == 2 * 6 * 10 * 2
    assert counted(sql_database) == 2 * 6 * 10 * 2
    assert count(sql_database, "command_history") == 2 * 6 * 3


@contextlib.contextmanager
def service(stream: Stream, db: SqlDatabase, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m sinks.sql` as a child process; killed on leaving if it still runs."""
    env = {
        **os.environ,
        "HUB_KAFKA_BOOTSTRAP": stream.bootstrap,
        "HUB_TOPIC_PREFIX": stream.names.prefix,
        "HUB_DATABASE_URL": db.url,
        "HUB_HEARTBEAT_RETENTION_DAYS": "3650",
        "HUB_RAW_HEARTBEATS": "true",
        "HUB_BATCH_LINGER_S": "0.1",
        "HUB_RETRY_BACKOFF_MAX_S": "1",
        "HUB_SQLITE_BUSY_TIMEOUT_S": "0.2",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sinks.sql"], env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        print(log_path.read_text()[-3000:])  # pytest shows it when the test failed


def test_service_writes_rows_and_stops_cleanly_on_sigterm(
    stream: Stream, sql_database: SqlDatabase, tmp_path: Path
) -> None:
    stream.send(workload(clients=2, beats=5))
    group = sink_settings(stream, sql_database).group_id
    log_path = tmp_path / "sink.log"
    with service(stream, sql_database, log_path) as process:
        wait_until(lambda: stream.lag(group) == 0, "the service to commit everything")
        assert count(sql_database, "heartbeats") == 2 * 5 * 2
        assert counted(sql_database) == 2 * 5 * 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_S) == 0, log_path.read_text()[-3000:]


@pytest.mark.stops_postgres
def test_service_started_while_the_database_is_down_waits_for_it(
    stream: Stream, sql_database: SqlDatabase, tmp_path: Path
) -> None:
    stream.send(workload(clients=2, beats=5))
    group = sink_settings(stream, sql_database).group_id
    log_path = tmp_path / "sink.log"
    with contextlib.ExitStack() as running:
        with sql_database.outage():
            process = running.enter_context(service(stream, sql_database, log_path))
            wait_until(lambda: b"cannot migrate" in log_path.read_bytes(), "a failed migration")
            assert process.poll() is None, log_path.read_text()[-3000:]  # waiting, not exited
        wait_until(lambda: stream.lag(group) == 0, "the service to catch up")
        assert count(sql_database, "heartbeats") == 2 * 5 * 2
        assert counted(sql_database) == 2 * 5 * 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_S) == 0, log_path.read_text()[-3000:]


def test_a_rebalance_that_does_not_finish_is_given_up_and_joined_again(
    stream: Stream, sql_database: SqlDatabase
) -> None:
    settings = sink_settings(stream, sql_database).model_copy(update={"rejoin_timeout_s": 5.0})
    stream.send(workload(clients=3, beats=5))
    # A member that holds the partitions and then stops polling: the sink's join waits on
    # it until it leaves (its poll interval, 12 s), past the sink's rejoin timeout.
    ghost = KafkaConsumer(
        bootstrap_servers=stream.bootstrap,
        group_id=settings.group_id,
        enable_auto_commit=False,
        session_timeout_ms=12_000,
        max_poll_interval_ms=12_000,
        heartbeat_interval_ms=1_000,
    )
    ghost.subscribe(stream.sunk())
    try:
        wait_until(lambda: bool(ghost.poll(timeout_ms=200, max_records=1) or ghost.assignment()),
                   "the other member to hold the partitions")  # fmt: skip
        with running_sink(settings, sql_database) as sink:
            wait_until(lambda: sink.stats.rejoins > 0, "the sink to give up the stuck join")
            wait_until(lambda: stream.lag(settings.group_id) == 0, "the sink to commit everything")
    finally:
        ghost.close(autocommit=False)
    assert count(sql_database, "heartbeats") == 3 * 5 * 2
