"""`Publisher.publish_many` on the real broker: all acknowledged, or the batch fails."""

import pytest
from kafka import KafkaConsumer, TopicPartition

from ingest.errors import BrokerUnavailable
from ingest.publisher import Publisher
from localkafka.broker import LocalBroker
from tests.integration.kafka_fixtures import TopicFactory

pytestmark = pytest.mark.integration


def values_in(broker: LocalBroker, topic: str) -> list[bytes]:
    """Every value of the topic, partition 0 first."""
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=2000)
    try:
        consumer.assign([TopicPartition(topic, p) for p in (0, 1)])
        consumer.seek_to_beginning()
        return [r.value for r in sorted(consumer, key=lambda r: (r.partition, r.offset))]
    finally:
        consumer.close()


async def test_every_record_of_a_batch_is_durable_when_it_returns(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=2)
    publisher = Publisher(kafka_broker.bootstrap, timeout_s=5.0)
    records = [(b"k%d" % i, b"v%05d" % i, i % 2) for i in range(3000)]
    try:
        await publisher.publish_many(topic, records)
        await publisher.publish_many(topic, [])  # nothing to send: returns at once
    finally:
        publisher.close()
    stored = values_in(kafka_broker, topic)
    assert stored == [v for _, v, p in records if p == 0] + [v for _, v, p in records if p == 1]
    assert publisher.health.last_ack is not None


# One refused by the topic's limit after it was sent (the producer's own limit is 1 MB);
# one too large for the producer to send at all.
REFUSED = [
    ({"max.message.bytes": "512"}, [(b"k", b"v", 0), (b"k", b"x" * 4000, 1)]),
    (None, [(b"k", b"v", 0), (b"k", b"x" * 2_000_000, 0)]),
]


@pytest.mark.parametrize(("configs", "records"), REFUSED, ids=["refused", "too-large-to-send"])
async def test_a_batch_with_a_record_that_fails_raises(
    kafka_broker: LocalBroker,
    topic_factory: TopicFactory,
    configs: dict[str, str] | None,
    records: list[tuple[bytes, bytes, int]],
) -> None:
    topic = topic_factory(partitions=2, configs=configs)
    publisher = Publisher(kafka_broker.bootstrap, timeout_s=5.0)
    try:
        with pytest.raises(BrokerUnavailable):
            await publisher.publish_many(topic, records)
        assert not publisher.health.status(publisher.now()).ready
    finally:
        publisher.close()
