"""The local broker keeps what it acknowledged: across clean restarts and crashes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource

from localkafka.broker import LocalBroker, free_ports
from tests.integration.kafka_fixtures import TopicFactory, new_topic

pytestmark = pytest.mark.integration

CONSUME_TIMEOUT_S = 20.0


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """Send values with acks=all and wait for every acknowledgement."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        futures = [producer.send(topic, value) for value in values]
        for future in futures:
            future.get(timeout=CONSUME_TIMEOUT_S)
    finally:
        producer.close()


def consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    """Read the first `count` values of partition 0, without a consumer group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        values: list[bytes] = []
        deadline = time.monotonic() + CONSUME_TIMEOUT_S
        while len(values) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(record.value for record in records)
        return values
    finally:
        consumer.close()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker these tests may stop and kill without disturbing the session's broker."""
    port, controller_port = free_ports(2)
    with LocalBroker(data_dir=tmp_path / "kafka", port=port, controller_port=controller_port) as b:
        yield b


def test_message_produced_with_acks_all_is_consumed_back(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    topic = topic_factory()
    produce(kafka_broker.bootstrap, topic, [b"beat-1", b"beat-2"])
    assert consume(kafka_broker.bootstrap, topic, 2) == [b"beat-1", b"beat-2"]


def test_topic_factory_makes_fresh_compacted_topics(
    kafka_broker: LocalBroker, topic_factory: TopicFactory
) -> None:
    first, second = topic_factory(partitions=3, compacted=True), topic_factory()
    with KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap) as admin:
        described = {t["name"]: t for t in admin.describe_topics([first, second])}
        configs = admin.describe_configs([ConfigResource("topic", first, ["cleanup.policy"])])
    assert first != second
    assert len(described[first]["partitions"]) == 3
    assert len(described[second]["partitions"]) == 1
    assert configs["topic"][first]["cleanup.policy"]["value"] == "compact"


def test_restarted_broker_keeps_topic_messages(own_broker: LocalBroker) -> None:
    topic = new_topic(own_broker, "restart")
    produce(own_broker.bootstrap, topic, [b"before-restart"])
    own_broker.restart()
    produce(own_broker.bootstrap, topic, [b"after-restart"])
    assert consume(own_broker.bootstrap, topic, 2) == [b"before-restart", b"after-restart"]


def test_killed_broker_recovers_acknowledged_messages(own_broker: LocalBroker) -> None:
    topic = new_topic(own_broker, "kill")
    produce(own_broker.bootstrap, topic, [b"before-kill"])
    own_broker.kill()
    assert not own_broker.running
    own_broker.start()
    produce(own_broker.bootstrap, topic, [b"after-kill"])
    assert consume(own_broker.bootstrap, topic, 2) == [b"before-kill", b"after-kill"]
