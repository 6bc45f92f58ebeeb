"""The ingress's map of partition owners."""

from ingest.owners import OwnerMap
from schemas.topics import partition_for


def test_a_client_maps_to_the_owner_of_its_partition() -> None:
    owners = OwnerMap(partitions=4)
    owners.update({"0": "http://w0:6066/", "1": "http://w1:6066", "2": "http://w0:6066"})
    for client in ("acme", "clinic-1", "lab-7", "x"):
        expected = {0: "http://w0:6066", 1: "http://w1:6066", 2: "http://w0:6066"}.get(
            partition_for(client, 4)
        )
        assert owners.url_for(client) == expected


def test_the_map_is_refetched_when_old_or_wrong() -> None:
    owners = OwnerMap(partitions=2, max_age_s=60)
    assert owners.stale()
    owners.update({"0": "http://w0", "1": "http://w0"})
    assert not owners.stale()
    owners.forget()
    assert owners.stale()
    assert owners.url_for("acme") is None
    owners.attempted()  # a failed fetch waits its turn too
    assert not owners.stale()
