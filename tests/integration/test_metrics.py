"""/metrics of the real ingress and worker after heartbeats: counted by route, no client ids."""

import time
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from localkafka.http import call
from localkafka.hub import HubCluster
from schemas import metric_names as names
from tests.integration.relay_helpers import JSON, REPORT, configure, until_ok

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

HEARTBEATS = 5
INGRESS_ROUTE = "/api/customer/{clientId}/heartbeat"
WORKER_ROUTE = "/hub/customers/{client_id}"


def scrape(url: str) -> list[Sample]:
    """Every sample `url` exposes, in the text format."""
    reply = call("GET", f"{url}/metrics")
    assert reply.status == 200, reply.body
    assert reply.content_type.startswith("text/plain")
    families = text_string_to_metric_families(reply.body.decode())
    return [sample for family in families for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def eventually(
    url: str, check: Callable[[list[Sample]], bool], timeout: float = 60
) -> list[Sample]:
    """Scrape `url` until `check` holds for its samples; the last samples."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(url)
        if check(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.5)


def beaten(hub: HubCluster) -> str:
    """A configured customer that has sent HEARTBEATS heartbeats; its clientId."""
    client_id = configure(hub)
    for _ in range(HEARTBEATS):
        assert until_ok(lambda: hub.heartbeat(client_id, REPORT, JSON), 60).status == 200
    return client_id


def no_label_names(samples: list[Sample], client_id: str) -> None:
    """No sample carries the client id in any label value."""
    assert [s for s in samples if any(client_id in v for v in s.labels.values())] == []


def test_ingress_counts_heartbeats_by_route_template(hub: HubCluster) -> None:
    client_id = beaten(hub)
    samples = scrape(hub.url)
    assert value(samples, names.HTTP_REQUESTS, route=INGRESS_ROUTE, status="200") >= HEARTBEATS
    duration = f"{names.HTTP_DURATION}_count"
    assert value(samples, duration, route=INGRESS_ROUTE, method="PUT") >= HEARTBEATS
    assert value(samples, f"{names.PUBLISH_DURATION}_count") >= 1  # admin writes
    # Heartbeats are published by the ingress, a batch at a time.
    topic = f"{hub.prefix}relay-heartbeats"
    assert value(samples, f"{names.PUBLISH_DURATION}_count", topic=topic) >= 1
    no_label_names(samples, client_id)


def test_worker_counts_folds_and_admin_reads(hub: HubCluster) -> None:
    client_id = beaten(hub)
    topic = f"{hub.prefix}relay-heartbeats"

    def settled(samples: list[Sample]) -> bool:
        folded = value(samples, names.RECORDS_FOLDED, agent="apply-heartbeats")
        lag = [s for s in samples if s.name == names.CONSUMER_LAG and s.labels["topic"] == topic]
        return folded >= HEARTBEATS and bool(lag) and value(samples, names.PROFILES) >= 1

    samples = eventually(hub.worker_url(0), settled)
    assert settled(samples), [s for s in samples if s.name.startswith("hub_")]
    assert value(samples, names.HTTP_REQUESTS, route=WORKER_ROUTE, status="200") >= 1
    assert value(samples, names.TABLE_ENTRIES, table="customers") >= 1
    lag = [s for s in samples if s.name == names.CONSUMER_LAG and s.labels.get("topic") == topic]
    assert lag
    assert all(s.labels.get("group") == f"{hub.prefix}workers" for s in lag), lag
    no_label_names(samples, client_id)
