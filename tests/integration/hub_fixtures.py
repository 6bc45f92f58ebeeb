"""Pytest fixtures that start whole hubs against the test broker."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster, start_hub


@pytest.fixture(scope="module")
def hub(
    kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubCluster]:
    """One hub per test module, on the session's broker, with its own topics."""
    cluster = start_hub(kafka_broker, tmp_path_factory.mktemp("hub"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def own_hub(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    """A hub of the test's own on the session broker, for tests that stop or grow it."""
    cluster = start_hub(kafka_broker, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
