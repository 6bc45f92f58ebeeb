"""Pytest fixtures that start whole hubs against the test broker."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster, start_hub


@pytest.fixture(scope="session")
def shared_hub(
    kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubCluster]:
    """One hub for the modules that declare `SHARES_HUB = True`."""
    with start_hub(kafka_broker, tmp_path_factory.mktemp("shared-hub")) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def hub(
    request: pytest.FixtureRequest,
    kafka_broker: LocalBroker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[HubCluster]:
    """The module's hub, on the session's broker, with its own topics.

    A module whose tests only add customers, PBXes and tokens of their own, never move
    the clock, stop a process or count what other tests may have left, declares
    `SHARES_HUB = True` and gets the session's one hub instead (a hub start-up is
    about 7 s of the suite).
    """
    if getattr(request.module, "SHARES_HUB", False):
        yield request.getfixturevalue("shared_hub")
        return
    with start_hub(kafka_broker, tmp_path_factory.mktemp("hub")) as cluster:
        yield cluster


@pytest.fixture
def own_hub(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    """A hub of the test's own on the session broker, for tests that stop or grow it."""
    with start_hub(kafka_broker, tmp_path) as cluster:
        yield cluster
