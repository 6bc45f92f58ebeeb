"""Shared test configuration: every test under tests/integration/ is marked `integration`;
the session's broker and hubs are declared here once, for every folder of tests."""

from pathlib import Path

import pytest

from tests.integration.hub_fixtures import hub, shared_hub
from tests.integration.kafka_fixtures import kafka_broker

__all__ = ["hub", "kafka_broker", "shared_hub"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need the real broker, so `make unit` can leave them out."""
    integration = Path(__file__).parent / "integration"
    for item in items:
        if integration in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)
