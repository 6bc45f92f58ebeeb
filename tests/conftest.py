"""Shared test configuration: the tests that start real components are marked
`integration` (`make check` leaves them out); the session's broker and hubs are declared
here once, for every folder of tests."""

from pathlib import Path

import pytest

from tests.integration.hub_fixtures import hub, shared_hub
from tests.integration.kafka_fixtures import kafka_broker

__all__ = ["hub", "kafka_broker", "shared_hub"]


HERE = Path(__file__).parent
REAL_COMPONENTS = (HERE / "integration", HERE / "bench")
"""Folders whose every test runs real processes: hubs, brokers, whole benchmark stacks."""
REAL_FIXTURES = frozenset(
    {"kafka_broker", "private_broker", "hub", "shared_hub", "own_hub", "topic_factory",
     "postgres_server", "sql_database", "hub_cli"}
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need real components, so `make check` can leave them out."""
    for item in items:
        real_folder = any(folder in Path(item.fspath).parents for folder in REAL_COMPONENTS)
        if real_folder or REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
