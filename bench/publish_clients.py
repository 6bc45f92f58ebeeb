"""CPU per record of the ingress's two Kafka clients, publishing as the heartbeat path does.

A private broker on loopback; batches of `--per` records across the topic's partitions,
`--in-flight` batches at once, every record of a batch awaited (acks=all, idempotent):
through `ingest.publisher.Publisher` (kafka-python, its sender thread) and through
`ingest.heartbeat_producer.HeartbeatProducer` (aiokafka, on the loop). Printed per
client: records/s and the process's CPU per record and per batch. Stops by itself.
`python -m bench.publish_clients`.
"""

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

from kafka.admin import KafkaAdminClient, NewTopic

from ingest.heartbeat_batches import PublishesMany
from ingest.heartbeat_producer import HeartbeatProducer
from ingest.publisher import Publisher, Record
from ingest.write_health import WriteHealth
from localkafka.broker import LocalBroker, free_ports

TOPIC, PARTITIONS = "bench-heartbeats", 8
VALUE = (
    b'{"client_id":"bench-1","received_at":"2026-01-01T00:00:00Z","profiles":'
    b'[{"ProfileId":1,"ProfileType":1,"ServerStatus":1},'
    b'{"ProfileId":1,"ProfileType":2,"ServerStatus":1}],"delivered_commands":[]}'
)


def cpu_s() -> float:
    """This process's CPU seconds (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drive(client: PublishesMany, args: argparse.Namespace) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for `args.batches` batches, `args.in_flight` at once."""
    batch: list[Record] = [(b"k%d" % i, VALUE, i % PARTITIONS) for i in range(args.per)]
    await client.publish_many(TOPIC, batch)  # connected, metadata known

    async def lane() -> None:
        for _ in range(args.batches // args.in_flight):
            await client.publish_many(TOPIC, batch)

    cpu, wall = cpu_s(), time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(args.in_flight)))
    return cpu_s() - cpu, time.perf_counter() - wall


async def kafka_python(bootstrap: str, args: argparse.Namespace) -> tuple[float, float]:
    publisher = Publisher(bootstrap, 10.0)
    await publisher.warm([TOPIC])
    try:
        return await drive(publisher, args)
    finally:
        publisher.close()


async def aiokafka(bootstrap: str, args: argparse.Namespace) -> tuple[float, float]:
    producer = HeartbeatProducer(bootstrap, 10.0, WriteHealth(stale_s=10, started=0.0))
    try:
        return await drive(producer, args)
    finally:
        await producer.close()


def main() -> None:
    """Parse the sizes, run each client twice (alternating), print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=4000)
    parser.add_argument("--per", type=int, default=6, help="records per batch")
    parser.add_argument("--in-flight", type=int, default=4, help="batches at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-publish-") as tmp:
        port, controller = free_ports(2)
        with LocalBroker(data_dir=Path(tmp), port=port, controller_port=controller) as broker:
            admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
            admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
            admin.close()
            for name, run in [("kafka-python", kafka_python), ("aiokafka", aiokafka)] * 2:
                cpu, wall = asyncio.run(run(broker.bootstrap, args))
                records = args.batches // args.in_flight * args.in_flight * args.per
                print(
                    f"{name:<13} {records / wall:9,.0f} records/s  CPU"
                    f" {cpu / records * 1e6:6.1f} µs a record,"
                    f" {cpu / records * args.per * 1e6:7.1f} µs a batch of {args.per}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
