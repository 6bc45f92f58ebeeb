"""Pytest fixtures for tests that need the real Kafka broker from `localkafka`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from kafka import KafkaAdminClient

from localkafka.broker import LocalBroker, free_ports


class TopicFactory(Protocol):
    """Creates a topic with a fresh name on the test broker and returns the name."""

    def __call__(
        self, partitions: int = 1, *, compacted: bool = False, configs: dict[str, str] | None = None
    ) -> str: ...


def unique_topic_name(hint: str) -> str:
    """Return a topic name that no other test uses, readable in broker logs thanks to `hint`."""
    # Topic names allow only [a-zA-Z0-9._-] and at most 249 characters.
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", hint).strip("-")[:60]
    return f"{slug}-{uuid.uuid4().hex[:10]}"


def create_topic(
    admin: KafkaAdminClient,
    name: str,
    *,
    partitions: int = 1,
    compacted: bool = False,
    configs: dict[str, str] | None = None,
) -> None:
    """Create a topic (with `configs`, the broker's topic settings) and wait until every
    partition has a leader."""
    configs = {**({"cleanup.policy": "compact"} if compacted else {}), **(configs or {})}
    spec = {"num_partitions": partitions, "replication_factor": 1, "configs": configs}
    # Without wait_for_metadata the first produce can race the partition's leader election.
    admin.create_topics({name: spec}, wait_for_metadata=True)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """One broker for the whole session, on free ports so a running `make run` is untouched."""
    port, controller_port = free_ports(2)
    broker = LocalBroker(
        data_dir=tmp_path_factory.mktemp("kafka"), port=port, controller_port=controller_port
    )
    with broker:
        yield broker


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker of the test's own, which it may stop, kill, pause and restart."""
    port, controller = free_ports(2)
    with LocalBroker(data_dir=tmp_path / "kafka", port=port, controller_port=controller) as b:
        yield b


def new_topic(broker: LocalBroker, hint: str, partitions: int = 1) -> str:
    """A fresh topic on `broker` (a private one; the session's has `topic_factory`)."""
    name = unique_topic_name(hint)
    with KafkaAdminClient(bootstrap_servers=broker.bootstrap) as admin:
        create_topic(admin, name, partitions=partitions)
    return name


@pytest.fixture
def topic_factory(
    kafka_broker: LocalBroker, request: pytest.FixtureRequest
) -> Iterator[TopicFactory]:
    """Return a function creating fresh topics: `topic_factory(partitions=3, compacted=True)`."""
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)

    def create(
        partitions: int = 1, *, compacted: bool = False, configs: dict[str, str] | None = None
    ) -> str:
        name = unique_topic_name(request.node.name)
        create_topic(admin, name, partitions=partitions, compacted=compacted, configs=configs)
        return name

    # Topics are left in place: the session's broker and its data folder go away at the end.
    try:
        yield create
    finally:
        admin.close()
