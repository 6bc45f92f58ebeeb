"""Pytest fixtures that start whole hubs against the test broker."""

from collections.abc import Iterator

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
