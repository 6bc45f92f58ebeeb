"""Tables on rocksdb://: a worker that keeps its state on disk serves and sweeps as on memory.

A restarted worker replays only the changelog written after its last persisted
offset, and a standby promoted to active replays only what it had not applied; the
deadlines held on disk before that must still be found by the sweep, once each. The
hub's clock is moved (its offset file) instead of sleeping. Folds of batches spanning
partitions read keys of other partitions, which faust's RocksDB store alone would miss.
"""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from localkafka.broker import LocalBroker
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster, start_hub
from localkafka.process import wait_http
from schemas import metric_names as names
from schemas.topics import TopicNames
from tests.integration.events import profile_health
from tests.integration.pbx_helpers import errno, login, make_pbx
from tests.integration.test_health import WAIT_S, beat, configure
from tests.integration.test_metrics import eventually, value

CUSTOMERS = 8  # two per partition on average: every partition holds deadlines
INTERVAL_S, GRACE_S = 60, 30  # as test_health.configure sets them


@pytest.fixture
def rocks_hub(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    """A hub of the test's own whose workers keep their tables in RocksDB."""
    with start_hub(kafka_broker, tmp_path, env={"HUB_TABLE_STORE": "rocksdb://"}) as cluster:
        yield cluster


def healths(hub: HubCluster, cids: list[str]) -> dict[str, list[str]]:
    """The healths each customer's profile went through, from the health-events topic."""
    consumer = KafkaConsumer(
        TopicNames(hub.prefix).health_events,
        bootstrap_servers=hub.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )
    found: dict[str, list[str]] = {cid: [] for cid in cids}
    try:
        for record in consumer:
            key = record.key.decode() if record.key else ""
            event = profile_health(record.value) if key in found else None
            if event is not None:
                found[key].append(event.to_health.value)
    finally:
        consumer.close()
    return found


def wait_all(hub: HubCluster, cids: list[str], to: str) -> dict[str, list[str]]:
    """Poll (bounded) until every customer's last transition is to `to`."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = healths(hub, cids)
        if all(p and p[-1] == to for p in found.values()):
            return found
        assert time.monotonic() < deadline, found


def wait_owners(hub: HubCluster, urls: set[str]) -> None:
    """Until worker 0 sees every partition owned, by exactly the workers at `urls`."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        owners = call("GET", f"{hub.worker_url(0)}/hub/owners").json()["owners"]
        if len(owners) == hub.partitions and set(owners.values()) == urls:
            return
        assert time.monotonic() < deadline, owners
        time.sleep(0.5)


def customers_up(hub: HubCluster) -> list[str]:
    """Customers whose profile heartbeated once: each has a deadline in the health table."""
    cids = [configure(hub) for _ in range(CUSTOMERS)]
    # All at once, so that the worker folds them in batches spanning partitions.
    with ThreadPoolExecutor(CUSTOMERS) as pool:
        list(pool.map(lambda cid: beat(hub, cid), cids))
    wait_all(hub, cids, "up")
    return cids


def assert_late_then_down_once(hub: HubCluster, cids: list[str]) -> None:
    """Past each deadline every profile goes late, then down, and each exactly once."""
    hub.advance_clock(INTERVAL_S + 1)
    wait_all(hub, cids, "late")
    hub.advance_clock(GRACE_S)
    found = wait_all(hub, cids, "down")
    # Nothing twice: not these, nor an earlier transition published again (an outbox the
    # fold failed to clear, as a read in another partition's database would leave it).
    assert all(p == ["new", "up", "late", "down"] for p in found.values()), found


def test_deadlines_on_disk_are_swept_after_a_worker_restarts_on_its_state(
    rocks_hub: HubCluster,
) -> None:
    cids = customers_up(rocks_hub)
    worker = rocks_hub.workers[0]
    worker.stop()  # SIGTERM: a clean stop, as a rolling update does
    started = time.perf_counter()
    worker.start()  # the same data dir: its RocksDB tables and persisted offsets
    wait_http(f"{rocks_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    print(f"\nrocksdb restart: ready {time.perf_counter() - started:.1f} s after its start")
    # The gauges' tallies were read back from disk with the due index: every profile up.
    samples = eventually(rocks_hub.worker_url(0), lambda s: value(s, names.PROFILES) > 0)
    assert value(samples, names.PROFILES, health="up") == CUSTOMERS
    assert value(samples, names.TABLE_ENTRIES, table="health") == CUSTOMERS
    assert_late_then_down_once(rocks_hub, cids)


def test_deadlines_of_a_standby_promoted_to_active_are_swept(rocks_hub: HubCluster) -> None:
    cids = customers_up(rocks_hub)  # worker 0 alone: every partition active there
    rocks_hub.add_worker()
    rocks_hub.wait_ready()
    both = {rocks_hub.worker_url(0), rocks_hub.worker_url(1)}
    wait_owners(rocks_hub, both)  # worker 0 keeps the others' partitions as standbys
    rocks_hub.workers[1].stop()
    started = time.perf_counter()
    wait_owners(rocks_hub, {rocks_hub.worker_url(0)})
    rocks_hub.wait_ready()
    print(f"\nrocksdb standby promoted: ready {time.perf_counter() - started:.1f} s after the stop")
    assert_late_then_down_once(rocks_hub, cids)


def test_pbx_users_added_in_batches_spanning_partitions_can_log_in(rocks_hub: HubCluster) -> None:
    # Made at once, the PBXes and their users are folded in batches across partitions.
    with ThreadPoolExecutor(CUSTOMERS) as pool:
        pbxes = list(pool.map(lambda _: make_pbx(rocks_hub), range(CUSTOMERS)))
    refused = {p.username: errno(login(rocks_hub, p)) for p in pbxes}
    assert set(refused.values()) == {None}, refused
