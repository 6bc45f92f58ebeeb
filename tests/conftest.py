"""Shared test configuration: the tests that start real components are marked
`integration` (`make check` leaves them out); the session's broker, hubs and Mono are declared
here once, for every folder of tests; and each test is put in the group of test files
that `make test`'s processes take one at a time (pytest-xdist's `loadgroup`)."""

from pathlib import Path

import pytest
from _pytest.nodeid import NodeId  # the test id's type, which pytest-xdist's groups need

from tests.dotnet import mono
from tests.integration.hub_fixtures import hub, shared_hub
from tests.integration.kafka_fixtures import kafka_broker
from tests.integration.receiver_fixtures import receiver, receivers

__all__ = ["hub", "kafka_broker", "mono", "receiver", "receivers", "shared_hub"]


HERE = Path(__file__).parent
REAL_COMPONENTS = (HERE / "integration", HERE / "bench")
"""Folders whose every test runs real processes: hubs, brokers, whole benchmark stacks."""
REAL_FIXTURES = frozenset(
    {"kafka_broker", "private_broker", "hub", "shared_hub", "own_hub", "topic_factory",
     "postgres_server", "postgres_outage_server", "sql_database", "hub_cli", "mono"}
)  # fmt: skip


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need real components, so `make check` can leave them out, and
    the ones that must run with nothing beside them (`make test` runs those last, in one
    process); in a pytest-xdist worker distributing by group, group each test with the
    rest of its file."""
    by_group = bool(getattr(config.option, "loadgroup", False))
    for item in items:
        path = Path(item.fspath)
        real_folder = any(folder in path.parents for folder in REAL_COMPONENTS)
        if real_folder or REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        if _alone(item):
            item.add_marker(pytest.mark.alone)
        if by_group:
            _in_group(item, str(path.relative_to(HERE)))


def _in_group(item: pytest.Item, group: str) -> None:
    """What pytest-xdist's `loadgroup` reads: the group after an "@" in the test's id.
    pytest-xdist 3.8 writes it to `_nodeid` for its `xdist_group` marks, which pytest 9
    no longer reads (the id is `_id`), so the marks alone group nothing."""
    item._id = NodeId.parse(f"{item.nodeid}@{group}")


def _alone(item: pytest.Item) -> bool:
    """The bench smoke runs load both cores and check real-time behaviour (shedding, alerts
    within a client's grace), so nothing may run beside them; the fault run stops
    PostgreSQL's outage cluster, as the tests marked `stops_postgres` do. (Those tests'
    files otherwise run as usual: their other tests use the shared server, which nothing
    stops.)"""
    if HERE / "bench" in Path(item.fspath).parents:
        return True
    return item.get_closest_marker("stops_postgres") is not None
