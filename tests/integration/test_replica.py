"""`ingest.replica.Replica` on the real broker: read to the end from empty, then followed."""

import asyncio
import time

import pytest
from kafka import KafkaProducer

from ingest.replica import Replica
from localkafka.broker import LocalBroker
from tests.integration.kafka_fixtures import TopicFactory

pytestmark = pytest.mark.integration


def produce(broker: LocalBroker, topic: str, records: list[tuple[str, bytes | None, int]]) -> int:
    """Write (key, value or tombstone, partition) records; the offset of the last one."""
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    try:
        sent = [producer.send(topic, key=k.encode(), value=v, partition=p) for k, v, p in records]
        return int(sent[-1].get(timeout=10).offset)
    finally:
        producer.close()


def started(broker: LocalBroker, topic: str, loop: asyncio.AbstractEventLoop) -> Replica[str]:
    replica: Replica[str] = Replica(broker.bootstrap, topic, bytes.decode)
    replica.start(loop)
    return replica


async def test_it_reads_what_the_topic_holds_then_follows_it(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=2, compacted=True)
    produce(kafka_broker, topic, [("a", b"1", 0), ("b", b"1", 1), ("a", b"2", 0), ("b", None, 1)])
    replica = started(kafka_broker, topic, asyncio.get_running_loop())
    try:
        assert await asyncio.to_thread(replica.ready.wait, 30)
        assert replica.get("a") == "2"
        assert replica.get("b") is None  # its tombstone removed it
        assert len(replica) == 1
        offset = produce(kafka_broker, topic, [("c", b"new", 1)])
        assert await replica.wait_applied(1, offset, 10)
        assert replica.get("c") == "new"
        assert replica.applied(1) == offset + 1
    finally:
        replica.stop()


async def test_an_empty_topic_is_ready_at_once_and_a_wait_times_out(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=1, compacted=True)
    replica = started(kafka_broker, topic, asyncio.get_running_loop())
    try:
        assert await asyncio.to_thread(replica.ready.wait, 30)
        assert len(replica) == 0
        t0 = time.monotonic()
        assert not await replica.wait_applied(0, 0, 0.5)  # nothing written: never applied
        assert time.monotonic() - t0 >= 0.5
    finally:
        replica.stop()


async def test_ready_means_every_record_up_to_the_end_it_found_at_start(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=1, compacted=True)
    produce(kafka_broker, topic, [(f"k{i}", b"x" * 100, 0) for i in range(20_000)])
    replica = started(kafka_broker, topic, asyncio.get_running_loop())
    try:
        assert await asyncio.to_thread(replica.ready.wait, 30)
        assert len(replica) == 20_000  # ready means every record up to the start's end
    finally:
        replica.stop()
