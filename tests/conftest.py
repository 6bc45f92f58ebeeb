"""Shared test configuration.

- Every test under tests/integration/ is marked `integration` (`make unit` leaves them
  out).
- `make test` runs the suite on two pytest-xdist workers (`--dist loadgroup`), a test
  module at a time per worker, so that a module's hub starts once. The tests that use
  PostgreSQL (some stop the server, as an outage) and the load benches' smoke runs
  (each a whole stack under load) are one group, run one after another on one worker:
  no outage reaches another test's database, and no two load runs share the cores.
"""

from pathlib import Path

import pytest

HERE = Path(__file__).parent
INTEGRATION = HERE / "integration"
BENCH = HERE / "bench"
SERIAL = "serial"
POSTGRES_FIXTURES = {"sql_database", "postgres_server"}


def _group(item: pytest.Item) -> str:
    path = Path(item.fspath)
    fixtures = set(getattr(item, "fixturenames", ()))
    if BENCH in path.parents or fixtures & POSTGRES_FIXTURES:
        return SERIAL
    return str(path.relative_to(HERE))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need the real broker, and give each its xdist group."""
    for item in items:
        if INTEGRATION in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)
        item.add_marker(pytest.mark.xdist_group(_group(item)))
