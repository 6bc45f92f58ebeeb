"""Every Kafka writer comes back by itself after a broker stall, kill or restart."""

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.producer.transaction_manager import ProducerIdAndEpoch

from ingest import producer_fix
from ingest.errors import BrokerUnavailable
from ingest.heartbeat_producer import HeartbeatProducer
from ingest.publisher import Ack, Publisher
from ingest.write_health import WriteHealth
from localkafka.broker import LocalBroker
from localkafka.http import Reply, call
from localkafka.hub import HubCluster, start_hub
from tests.integration.kafka_fixtures import new_topic
from tests.integration.relay_helpers import JSON, REPORT, configure, report, until_ok

# Longer than the ingress's request (4.5 s) and delivery (6 s) timeouts, as the stall
# that used to wedge kafka-python's idempotent producer for good.
STALL_S = 15.0
RECOVERY_S = 10.0


@pytest.fixture
def stall_hub(private_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    """A whole hub (topics, a worker, the ingress) on the private broker."""
    with start_hub(private_broker, tmp_path / "hub") as hub:
        yield hub


def ready(hub: HubCluster) -> Reply:
    """The ingress's readiness answer."""
    return call("GET", f"{hub.url}/readyz")


def writes_answer_200(hub: HubCluster, client_id: str, tx: str) -> None:
    """A heartbeat succeeds within RECOVERY_S; an admin write is durable at once and, once
    the worker's own clients are back and it has folded what waited, visible (200)."""
    beat = until_ok(lambda: hub.heartbeat(client_id, report(tx), JSON), RECOVERY_S, 0.2)
    assert beat.status == 200, beat.body
    customer = {"RelayCustomerID": 9, "Name": f"after {tx}"}
    deadline = time.monotonic() + 2 * RECOVERY_S
    while (put := hub.admin("PUT", f"/customers/{client_id}", customer)).status != 200:
        assert put.status in (202, 503), put.body  # durable, not yet visible; or not yet
        assert time.monotonic() < deadline, put.body
        time.sleep(0.2)


def changelog_holds(hub: HubCluster, client_id: str, needle: str) -> bool:
    """Whether the worker wrote `needle` into the profile states' changelog for the client.

    Not yet, too, while the broker cannot say where the topic's partitions are: a broker
    continued after a pause answers metadata without itself until it has registered again.
    """
    topic = hub.prefix + "workers-profile-states-changelog"
    consumer = KafkaConsumer(bootstrap_servers=hub.bootstrap, consumer_timeout_ms=3000)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning()
        return any(
            client_id.encode() in (r.key or b"") and needle.encode() in (r.value or b"")
            for r in consumer
        )
    except KafkaError:
        time.sleep(0.2)
        return False
    finally:
        consumer.close()


def test_the_hub_answers_again_within_seconds_after_a_broker_pause(
    private_broker: LocalBroker, stall_hub: HubCluster
) -> None:
    client_id = configure(stall_hub)
    assert stall_hub.heartbeat(client_id, REPORT, JSON).status == 200
    assert ready(stall_hub).status == 200
    private_broker.pause()
    paused = time.monotonic()
    try:
        assert stall_hub.heartbeat(client_id, REPORT, JSON).status == 503
        # The heartbeat's batch found no broker; the ingress's probes say so too.
        assert until_status(lambda: ready(stall_hub), 503, 10).status == 503
        time.sleep(max(0.0, STALL_S - (time.monotonic() - paused)))
    finally:
        private_broker.resume()
    writes_answer_200(stall_hub, client_id, "tx-after-pause")
    assert until_ok(lambda: ready(stall_hub), 5, 0.2).status == 200
    assert until_changelog(stall_hub, client_id, "tx-after-pause")


def test_the_hub_answers_again_within_seconds_after_a_broker_kill_and_restart(
    private_broker: LocalBroker, stall_hub: HubCluster
) -> None:
    client_id = configure(stall_hub)
    assert stall_hub.heartbeat(client_id, REPORT, JSON).status == 200
    private_broker.kill()
    assert stall_hub.heartbeat(client_id, REPORT, JSON).status == 503
    assert until_status(lambda: ready(stall_hub), 503, 15).status == 503
    private_broker.start()
    writes_answer_200(stall_hub, client_id, "tx-after-kill")
    assert until_ok(lambda: ready(stall_hub), 5, 0.2).status == 200
    assert until_changelog(stall_hub, client_id, "tx-after-kill")


def until_status(send: Callable[[], Reply], status: int, timeout: float) -> Reply:
    """Repeat `send` until it answers `status`."""
    deadline = time.monotonic() + timeout
    while True:
        reply = send()
        if reply.status == status or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)


def until_changelog(hub: HubCluster, client_id: str, needle: str) -> bool:
    """The worker's own producer came back too: its changelog write arrives."""
    deadline = time.monotonic() + RECOVERY_S
    while not changelog_holds(hub, client_id, needle):
        if time.monotonic() > deadline:
            return False
    return True


async def test_a_publisher_recovers_from_a_pause_longer_than_its_delivery_timeout(
    private_broker: LocalBroker,
) -> None:
    topic = new_topic(private_broker, "stall", partitions=2)
    publisher = Publisher(private_broker.bootstrap, timeout_s=2.0, stale_s=5.0)
    try:
        await publisher.warm([topic])
        await publisher.publish(topic, b"k", b"before")
        private_broker.pause()
        try:
            for _ in range(3):  # each waits out the 2-s timeout; the batches expire
                with pytest.raises(BrokerUnavailable):
                    await publisher.publish(topic, b"k", b"during")
            assert not publisher.health.status(publisher.now()).ready
            await asyncio.sleep(4)
        finally:
            private_broker.resume()
        ack = await until_published(publisher, topic, b"after")
        assert ack.topic == topic
        assert publisher.health.status(publisher.now()).ready
    finally:
        publisher.close()


async def test_a_producer_that_stops_completing_sends_is_replaced(
    private_broker: LocalBroker,
) -> None:
    topic = new_topic(private_broker, "stall", partitions=2)
    publisher = Publisher(private_broker.bootstrap, timeout_s=1.0)
    try:
        await publisher.warm([topic])
        await publisher.publish(topic, b"k", b"before")
        await asyncio.sleep(1.1)  # old enough to be judged
        wedged = await publisher._ensure()
        # The state kafka-python 3.0.12 used to be left in: no producer id, none asked for.
        wedged._sender._transaction_manager.set_producer_id_and_epoch(ProducerIdAndEpoch(-1, -1))
        with pytest.raises(BrokerUnavailable):
            await publisher.publish(topic, b"k", b"stuck")
        assert publisher.replacements == 1
        await until_published(publisher, topic, b"after")
        assert await publisher._ensure() is not wedged
    finally:
        publisher.close()


async def until_published(publisher: Publisher, topic: str, value: bytes) -> Ack:
    """Publish until acknowledged, within RECOVERY_S."""
    deadline = time.monotonic() + RECOVERY_S
    while True:
        try:
            return await publisher.publish(topic, b"k", value)
        except BrokerUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def test_a_patched_kafka_python_producer_sends_again_after_an_expired_sent_batch(
    private_broker: LocalBroker,
) -> None:
    producer_fix.apply()
    topic = new_topic(private_broker, "stall", partitions=2)
    producer = KafkaProducer(
        bootstrap_servers=private_broker.bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=1500,
        delivery_timeout_ms=3000,
        max_block_ms=2000,
    )
    try:
        producer.send(topic, b"before").get(timeout=10)
        private_broker.pause()
        try:
            with pytest.raises(KafkaError):  # sent, then expired: the producer id is reset
                producer.send(topic, b"during").get(timeout=6)
            time.sleep(2)
        finally:
            private_broker.resume()
        deadline = time.monotonic() + RECOVERY_S
        while True:
            try:
                assert producer.send(topic, b"after").get(timeout=3).topic == topic
                break
            except KafkaError:
                assert time.monotonic() < deadline, "the producer never sent again"
    finally:
        producer_fix.close_producer(producer, 1.0)


async def test_the_heartbeat_producer_is_replaced_when_it_alone_is_stalled(
    private_broker: LocalBroker,
) -> None:
    topic = new_topic(private_broker, "stall", partitions=2)
    health = WriteHealth(stale_s=5.0, started=time.monotonic())
    producer = HeartbeatProducer(private_broker.bootstrap, 1.0, health)
    try:
        assert await producer.publish_many(topic, [(b"k", b"before", 0)]) == [0]
        await asyncio.sleep(1.1)  # old enough to be judged
        private_broker.pause()
        try:
            # The process's other writes were acknowledged meanwhile (the shared health):
            # that says nothing of this producer, which acknowledged nothing.
            health.acked(time.monotonic() + 60)
            with pytest.raises(BrokerUnavailable):
                await producer.publish_many(topic, [(b"k", b"during", 0)])
            assert producer.replacements == 1
        finally:
            private_broker.resume()
        deadline = time.monotonic() + RECOVERY_S
        while True:
            try:
                await producer.publish_many(topic, [(b"k", b"after", 1)])
                break
            except BrokerUnavailable:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
    finally:
        await producer.close()
