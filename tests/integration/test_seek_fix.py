"""`seek_to_committed_or_start` on the real broker: records a consumer fetched and dropped
are read again, whether or not its group ever committed the partition."""

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer

from localkafka.broker import LocalBroker
from processors.runtime.seek_fix import seek_to_committed_or_start
from tests.integration.kafka_fixtures import TopicFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def topic(kafka_broker: LocalBroker, topic_factory: TopicFactory) -> str:
    """A topic of two partitions holding three records in each."""
    name = topic_factory(partitions=2)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    for partition in (0, 1):
        for n in range(3):
            producer.send(name, value=f"{partition}-{n}".encode(), partition=partition)
    producer.flush()
    producer.close()
    return name


@pytest.fixture
async def consumer(kafka_broker: LocalBroker, topic: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A group member holding both partitions, reading from the earliest offset."""
    member = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=f"seek-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await member.start()
    try:
        yield member
    finally:
        await member.stop()


async def _read_all(consumer: AIOKafkaConsumer, count: int) -> list[bytes]:
    values: list[bytes] = []
    for _ in range(50):
        batches = await consumer.getmany(timeout_ms=200)
        values += [r.value for records in batches.values() for r in records if r.value]
        if len(values) >= count:
            break
    return sorted(values)


async def test_never_committed_partitions_go_back_to_their_start(
    consumer: AIOKafkaConsumer, topic: str
) -> None:
    # Fetched and dropped (as faust drops them in a recovery race): the positions moved.
    assert len(await _read_all(consumer, 6)) == 6
    # Partition 0 was committed past its first record; partition 1 never was.
    await consumer.commit({TopicPartition(topic, 0): 1})

    committed = await seek_to_committed_or_start(consumer, lambda tp: False)

    assert committed[TopicPartition(topic, 0)] == 1
    assert not committed[TopicPartition(topic, 1)]
    assert await _read_all(consumer, 5) == [b"0-1", b"0-2", b"1-0", b"1-1", b"1-2"]


async def test_changelog_partitions_are_left_where_they_are(
    consumer: AIOKafkaConsumer, topic: str
) -> None:
    assert len(await _read_all(consumer, 6)) == 6

    await seek_to_committed_or_start(consumer, lambda tp: tp.partition == 1)

    assert await _read_all(consumer, 3) == [b"0-0", b"0-1", b"0-2"]
    assert await consumer.position(TopicPartition(topic, 1)) == 3
