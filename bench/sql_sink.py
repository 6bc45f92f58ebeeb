"""SQL sink throughput on SQLite and PostgreSQL: `python -m bench.sql_sink`.

Starts a private broker on free loopback ports, publishes a bounded number of relay
heartbeats (7 profiles each) plus config, health and command events to fresh topics,
then, for each engine, runs the sink from the start of the topics into an empty
database until it has committed everything. Prints rows written per second end to
end (Kafka to committed SQL, consumer group join included), and for the writer
alone (events already decoded, no Kafka), and the CPU the sink's process spends per
heartbeat record after its group join (`bench.sql_sink_cpu`). PostgreSQL is the test server from
`localkafka.postgres` (installed and started when needed). Stops by itself.
"""

import argparse
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from pydantic import SecretStr
from sqlalchemy import Engine, text

from bench.sql_sink_cpu import measure
from localkafka import postgres
from localkafka.broker import LocalBroker, free_ports
from processors.create_topics import ensure_topics
from schemas.alert_delivery import ChannelAttempt
from schemas.enums import ProfileType, ServerStatus
from schemas.events import (
    ClientHealthEvent,
    CommandEvent,
    CommandState,
    Health,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.pbx_topics import DeliveryAttempt, PbxChange
from schemas.profiles import CustomerConfig, InboundConfig
from schemas.relay import InboundProfileBase, ProfileHeartbeatData
from schemas.settings import KafkaSettings
from schemas.topics import (
    CustomerUpserted,
    HeartbeatMessage,
    ProfileUpserted,
    TopicNames,
    config_key,
    partition_for,
)
from sinks.sql.consumer import SqlSink
from sinks.sql.database import create_sink_engine
from sinks.sql.events import Event
from sinks.sql.migrate import upgrade
from sinks.sql.settings import SqlSinkSettings
from sinks.sql.writer import SqlWriter

PARTITIONS = 4
PROFILES = 7
TIMEOUT_S = 600.0


def events(customers: int, heartbeats: int) -> list[Event]:
    """Config for every customer, then heartbeats round-robin, with a health change and a
    command every 10 heartbeats."""
    ids = [f"bench-{c}" for c in range(customers)]
    out: list[Event] = []
    for n, cid in enumerate(ids):
        config = CustomerConfig(RelayCustomerID=n + 1, Name=cid)
        out.append(CustomerUpserted(client_id=cid, customer=config))
        for p in range(1, PROFILES + 1):
            wire = InboundProfileBase(RelayInboundProfileID=p, ProfileName=f"in {p}", Active=True)
            out.append(ProfileUpserted(client_id=cid, profile=InboundConfig(wire=wire)))
    start = time.time() - heartbeats  # recent: within the retention
    for i in range(heartbeats):
        cid, at = ids[i % customers], _at(start + i)
        entries = [
            ProfileHeartbeatData(ProfileId=p, ProfileType=ProfileType.Inbound,
                                 ServerStatus=ServerStatus.Started, LastTransactionId=f"t{i}")
            for p in range(1, PROFILES + 1)
        ]  # fmt: skip
        out.append(HeartbeatMessage(client_id=cid, received_at=at, profiles=entries))
        if i % 10 == 0:
            out += _others(cid, i, at)
    return out


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _others(cid: str, i: int, at: datetime) -> list[Event]:
    pid = 1 + i % PROFILES
    health = HealthEvent(
        client_id=cid, profile_type=ProfileType.Inbound, profile_id=pid,
        from_health=Health.up, to_health=Health.late, reason="late", at=at,
    )  # fmt: skip
    command = CommandEvent(
        client_id=cid, profile_type=ProfileType.Inbound, profile_id=pid,
        command_id=f"{cid}-{i}", seq=0, command="restart", state=CommandState.queued,
        deliveries=0, ttl_s=600, max_deliveries=3, created_at=at, at=at,
    )  # fmt: skip
    return [health, command]


def publish(bootstrap: str, names: TopicNames, items: list[Event]) -> None:
    """Send every event as the hub does: partitioned by clientId, acks=all."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    try:
        for event in items:
            topic, key = _route(names, event)
            producer.send(
                topic, value=event.model_dump_json().encode(), key=key,
                partition=partition_for(event.client_id, PARTITIONS),
            )  # fmt: skip
        producer.flush(timeout=TIMEOUT_S)
    finally:
        producer.close()


def _route(names: TopicNames, event: Event) -> tuple[str, bytes]:
    if isinstance(event, HeartbeatMessage):
        return names.heartbeats, event.client_id.encode()
    if isinstance(event, HealthEvent | ClientHealthEvent | PbxConnectionEvent):
        return names.health_events, event.client_id.encode()
    if isinstance(event, CommandEvent):
        return names.command_events, event.client_id.encode()
    if isinstance(event, PbxChange):
        return names.pbx_changes, event.client_id.encode()
    if isinstance(event, DeliveryAttempt):
        return names.pbx_deliveries, event.client_id.encode()
    if isinstance(event, ChannelAttempt):
        return names.alert_deliveries, event.client_id.encode()
    return names.config, config_key(event)


def lag(
    bootstrap: str, names: TopicNames, group: str, topics: list[str] | None = None,
    partitions: int = PARTITIONS,
) -> int:  # fmt: skip
    """Records the group has not committed yet in `topics` (by default the config,
    heartbeat, command and health topics); -1 while the group cannot be asked."""
    if topics is None:
        topics = [names.config, names.heartbeats, names.command_events, names.health_events]
    tps = [TopicPartition(t, p) for t in topics for p in range(partitions)]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        ends = consumer.end_offsets(tps)
        done = admin.list_group_offsets(group).get(group, {})
        return sum(ends[tp] - (done[tp].offset if tp in done else 0) for tp in tps)
    except KafkaError:
        return -1
    finally:
        consumer.close()
        admin.close()


@contextmanager
def database(kind: str, work: Path) -> Iterator[str]:
    """An empty database of the given kind; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    postgres.ensure_postgres()
    url = postgres.create_database("hub_bench")
    try:
        yield url
    finally:
        postgres.drop_database(url)


def table_rows(engine: Engine) -> int:
    """Rows in the sink's tables."""
    tables = ("customers", "profiles", "profile_state", "heartbeats", "health_transitions",
              "commands", "command_history")  # fmt: skip
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables]  # noqa: S608
    return sum(int(c) for c in counts)


def run_sink(
    settings: SqlSinkSettings, engine: Engine, names: TopicNames
) -> tuple[int, float, float]:
    """Run the sink until it has committed every record.

    Returns the rows written, the seconds from start, and the seconds from the moment
    it was given its partitions (the consumer group join left out).
    """
    sink = SqlSink(settings, engine)
    stop = threading.Event()
    thread = threading.Thread(target=sink.run, args=(stop,), daemon=True)
    started = time.perf_counter()
    assigned: float | None = None
    thread.start()
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while lag(settings.kafka_bootstrap, names, settings.group_id) != 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sink did not finish within {TIMEOUT_S:.0f} s")
            if assigned is None and sink.stats.partitions:
                assigned = time.perf_counter()
            time.sleep(0.2)  # each look at the lag costs the sink some CPU
        done = time.perf_counter()
        return sink.stats.rows, done - started, done - (assigned or started)
    finally:
        stop.set()
        thread.join(TIMEOUT_S)


def writer_only(engine: Engine, items: list[Event], batch_size: int) -> tuple[int, float]:
    """Write already decoded events straight through SqlWriter; returns (rows, seconds)."""
    writer = SqlWriter(engine, retention_days=30)
    rows, started = 0, time.perf_counter()
    for offset, event in enumerate(items):
        writer.add(event, offset)
        if len(writer) >= batch_size:
            rows += writer.flush()
    rows += writer.flush()
    return rows, time.perf_counter() - started


def line(name: str, records: int, rows: int, elapsed: float) -> str:
    """One result line."""
    return (
        f"{name:<32} records={records:>7}  rows={rows:>7}  {elapsed:>6.2f} s  "
        f"{rows / elapsed:>8.0f} rows/s  {records / elapsed:>7.0f} records/s"
    )


def bench_engine(
    kind: str, work: Path, bootstrap: str, names: TopicNames, items: list[Event], batch_size: int,
    measures: set[str],
) -> None:  # fmt: skip
    """The chosen measurements on one engine, each into an empty database."""
    if "sink" in measures:
        with sink_settings(kind, work, bootstrap, names, batch_size) as (settings, engine):
            rows, elapsed, consuming = run_sink(settings, engine, names)
            print(line(f"sink {kind} incl. group join", len(items), rows, elapsed), flush=True)
            print(line(f"sink {kind} after join", len(items), rows, consuming), flush=True)
            print(f"{'':<32} tables hold {table_rows(engine)} rows", flush=True)
    if "cpu" in measures:
        with sink_settings(kind, work, bootstrap, names, batch_size) as (settings, engine):
            run = measure(
                settings, lambda: lag(bootstrap, names, settings.group_id) == 0, TIMEOUT_S
            )
            print(cpu_line(f"sink {kind} process CPU", items, run.cpu_s, run.wall_s), flush=True)
    if "writer" in measures:
        with database(kind, work) as url:
            engine = create_sink_engine(url)
            upgrade(engine)
            rows, elapsed = writer_only(engine, items, batch_size)
            print(line(f"writer {kind} (no Kafka)", len(items), rows, elapsed), flush=True)
            engine.dispose()


@contextmanager
def sink_settings(
    kind: str, work: Path, bootstrap: str, names: TopicNames, batch_size: int,
    *, partitions: int = PARTITIONS, linger_s: float = 0.2,
) -> Iterator[tuple[SqlSinkSettings, Engine]]:  # fmt: skip
    """An empty, migrated database and the settings of a sink in a group of its own."""
    with database(kind, work) as url:
        engine = create_sink_engine(url)
        upgrade(engine)
        settings = SqlSinkSettings(
            kafka_bootstrap=bootstrap, topic_prefix=names.prefix, partitions=partitions,
            database_url=SecretStr(url), consumer_group=f"bench-{uuid.uuid4().hex[:8]}",
            batch_size=batch_size, batch_linger_s=linger_s,
        )  # fmt: skip
        try:
            yield settings, engine
        finally:
            engine.dispose()


def cpu_line(name: str, items: list[Event], cpu_s: float, wall_s: float) -> str:
    """One CPU result line: µs of the sink's process CPU per heartbeat record."""
    heartbeats = sum(isinstance(e, HeartbeatMessage) for e in items)
    return (
        f"{name:<32} heartbeats={heartbeats:>7}  records={len(items):>7}  cpu={cpu_s:.2f} s  "
        f"wall={wall_s:.2f} s  {cpu_s / heartbeats * 1e6:>6.1f} us CPU/heartbeat"
    )


def main() -> None:
    """Parse the bounds, publish, run the sink on each engine, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--heartbeats", type=int, default=20_000)
    ap.add_argument("--customers", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument(
        "--measures", default="sink,cpu,writer",
        help="sink: rows/s end to end; cpu: CPU per heartbeat of the sink's own process; "
        "writer: rows/s of the writer alone",
    )  # fmt: skip
    args = ap.parse_args()
    items = events(args.customers, args.heartbeats)
    port, controller = free_ports(2)
    with (
        tempfile.TemporaryDirectory(prefix="hub-bench-sql-") as tmp,
        LocalBroker(data_dir=Path(tmp) / "kafka", port=port, controller_port=controller) as broker,
    ):
        work = Path(tmp)
        names = TopicNames(f"bench-{uuid.uuid4().hex[:6]}.")
        ensure_topics(
            KafkaSettings(kafka_bootstrap=broker.bootstrap, topic_prefix=names.prefix,
                          partitions=PARTITIONS)
        )  # fmt: skip
        started = time.perf_counter()
        publish(broker.bootstrap, names, items)
        print(f"published {len(items)} records in {time.perf_counter() - started:.1f} s")
        for kind in args.engines.split(","):
            bench_engine(
                kind, work, broker.bootstrap, names, items, args.batch_size,
                set(args.measures.split(",")),
            )  # fmt: skip


if __name__ == "__main__":
    main()
