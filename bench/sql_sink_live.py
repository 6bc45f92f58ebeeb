"""The SQL sink at a steady heartbeat rate, alone: `python -m bench.sql_sink_live`.

What `bench.hotpath` measures of the sink, without the rest of the hub sharing the
cores: a private broker, a sink in a child process (`bench.sql_sink_cpu`, as `python
-m sinks.sql` runs it) on an empty SQLite file (or PostgreSQL), and this process
publishing relay heartbeats as the ingress does (several per record, grouped per
partition: `schemas.heartbeat_records`) at a steady rate, from many customers in turn,
each with two profiles. Printed: the heartbeats and records sent, the sink's lag
(records not committed, sampled each second, in seconds of traffic) and its process's
CPU per heartbeat. Stops by itself.
"""

import argparse
import functools
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka import KafkaProducer

from bench import sql_sink
from bench.sql_sink import sink_settings
from bench.sql_sink_cpu import measure
from localkafka.broker import LocalBroker, free_ports
from processors.create_topics import ensure_topics
from schemas import heartbeat_records
from schemas.settings import KafkaSettings
from schemas.topics import TopicNames, partition_for
from sinks.sql.settings import SqlSinkSettings

print = functools.partial(print, flush=True)  # figures appear as they come
PARTITIONS = 8  # as `make run` creates them
TICK_S = 0.008  # one ingress batch: the heartbeats of a tick become one record per partition


def heartbeat(client_id: str, n: int) -> bytes:
    """A relay heartbeat message as the ingress writes it: two profiles, started."""
    now = datetime.now(UTC).isoformat()
    entries = [
        {"ProfileId": 1, "ProfileType": t, "ServerStatus": 1, "LastTransactionId": f"tx-{n}",
         "LastTransactionDateTime": "2026-11-22T07:51:02.2345912-05:00", "LastError": None,
         "LastErrorDateTime": None}
        for t in (1, 2)
    ]  # fmt: skip
    return orjson.dumps(
        {"client_id": client_id, "received_at": now, "profiles": entries, "delivered_commands": []}
    )


def send_steady(
    bootstrap: str, topic: str, customers: int, rate: int, seconds: float
) -> tuple[int, int]:
    """Publish `rate` heartbeats a second for `seconds`; returns (heartbeats, records)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    sent = records = 0
    started = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate)
            batch = [_next(sent + i, customers) for i in range(due - sent)]
            for partition, indexes in heartbeat_records.grouped(batch):
                value = heartbeat_records.encode([batch[i][0] for i in indexes])
                producer.send(topic, value=value, partition=partition)
                records += 1
            sent += len(batch)
            time.sleep(TICK_S)
        producer.flush(timeout=60)
    finally:
        producer.close()
    return sent, records


def _next(n: int, customers: int) -> tuple[bytes, int]:
    client_id = f"bench-{n % customers}"
    return heartbeat(client_id, n), partition_for(client_id, PARTITIONS)


def lag(bootstrap: str, names: TopicNames, group: str) -> int:
    """Heartbeat records the group has not committed yet (-1 while it cannot be asked)."""
    return sql_sink.lag(bootstrap, names, group, [names.heartbeats], PARTITIONS)


def sample_lag(bootstrap: str, names: TopicNames, group: str, stop: threading.Event) -> list[int]:
    """The group's lag in records, once a second until `stop`."""
    samples: list[int] = []
    while not stop.wait(1.0):
        samples.append(lag(bootstrap, names, group))
    return samples


def run(kind: str, work: Path, bootstrap: str, args: argparse.Namespace) -> None:
    """One sink on an empty database of `kind` under the steady load."""
    names = TopicNames(f"live-{uuid.uuid4().hex[:6]}.")
    ensure_topics(
        KafkaSettings(kafka_bootstrap=bootstrap, topic_prefix=names.prefix, partitions=PARTITIONS)
    )
    defaults = SqlSinkSettings()  # the sink's own batch size and linger, as `make run` has
    with sink_settings(
        kind, work, bootstrap, names, defaults.batch_size,
        partitions=PARTITIONS, linger_s=defaults.batch_linger_s,
    ) as (settings, _):  # fmt: skip
        sent: list[tuple[int, int]] = []
        lags: list[int] = []
        done = _load(bootstrap, names, settings.group_id, args, sent, lags)
        cpu = measure(settings, done, timeout_s=args.seconds + 300)
    heartbeats, records = sent[0]
    worst = max(lags[args.warm_up :] or [0])
    print(
        f"{kind:<10} {heartbeats:,} heartbeats in {records:,} records "
        f"({heartbeats / records:.1f} a record) at {heartbeats / args.seconds:,.0f}/s; "
        f"lag after {args.warm_up} s at most {worst:,} records "
        f"({worst / (records / args.seconds):.2f} s); "
        f"CPU per heartbeat {cpu.cpu_s / heartbeats * 1e6:.1f} µs"
    )


def _load(
    bootstrap: str, names: TopicNames, group: str, args: argparse.Namespace,
    sent: list[tuple[int, int]], lags: list[int],
) -> Callable[[], bool]:  # fmt: skip
    """Start the load once the sink has joined; `done()` is true when all is committed."""
    stop = threading.Event()

    def drive() -> None:
        time.sleep(args.join_wait)
        sampler = threading.Thread(
            target=lambda: lags.extend(sample_lag(bootstrap, names, group, stop)), daemon=True
        )
        sampler.start()
        sent.append(send_steady(bootstrap, names.heartbeats, args.customers, args.rate,
                                args.seconds))  # fmt: skip
        stop.set()
        sampler.join()

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    return lambda: not driver.is_alive() and lag(bootstrap, names, group) == 0


def main() -> None:
    """Parse the bounds, start a broker, run the sink on each engine under the load."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=int, default=5000, help="heartbeats a second")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--engines", default="sqlite")
    ap.add_argument("--warm-up", type=int, default=5, help="lag samples left out at the start")
    ap.add_argument("--join-wait", type=float, default=8.0, help="seconds for the sink to join")
    args = ap.parse_args()
    port, controller = free_ports(2)
    with (
        tempfile.TemporaryDirectory(prefix="hub-bench-sql-live-") as tmp,
        LocalBroker(data_dir=Path(tmp) / "kafka", port=port, controller_port=controller) as broker,
    ):
        for kind in args.engines.split(","):
            run(kind, Path(tmp), broker.bootstrap, args)


if __name__ == "__main__":
    main()
