"""Shared test configuration: the tests that start real components are marked
`integration` (`make check` leaves them out); the session's broker and hubs are declared
here once, for every folder of tests; and each test is put in the group of test files
that `make test`'s processes take one at a time (pytest-xdist's `loadgroup`)."""

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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need real components, so `make check` can leave them out, and
    group each with the rest of its file."""
    for item in items:
        path = Path(item.fspath)
        real_folder = any(folder in path.parents for folder in REAL_COMPONENTS)
        if real_folder or REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        item.add_marker(pytest.mark.xdist_group(_group(path)))


def _group(path: Path) -> str:
    """A file's tests run in one process (its module fixtures start once); the bench
    smoke runs, which load both cores, run one after another."""
    return "bench" if HERE / "bench" in path.parents else str(path.relative_to(HERE))
