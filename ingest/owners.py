"""Which worker owns each partition, so the ingress asks the owner directly.

Any worker answers `/hub/owners` from faust's partition assignment. The map is only a
shortcut: a request that finds the owner gone (503, connection refused) is sent to
`HUB_RESPONDER_URL` instead, whose worker forwards it, and the map is fetched anew.
"""

import time

from schemas.topics import partition_for


class OwnerMap:
    """Partition number to the owning worker's URL, with an age after which it is refetched."""

    def __init__(self, partitions: int, max_age_s: float = 10.0) -> None:
        self.partitions = partitions
        self.max_age_s = max_age_s
        self._owners: dict[int, str] = {}
        self._fetched_at = float("-inf")

    def url_for(self, client_id: str) -> str | None:
        """The owner of the client's partition, if known."""
        return self._owners.get(partition_for(client_id, self.partitions))

    def stale(self) -> bool:
        """Whether it is time to fetch the map again (a failed fetch also waits its turn)."""
        return time.monotonic() - self._fetched_at > self.max_age_s

    def update(self, owners: dict[str, str]) -> None:
        """Replace the map with a worker's answer (`{"<partition>": "<url>"}`)."""
        self._owners = {int(p): url.rstrip("/") for p, url in owners.items()}
        self._fetched_at = time.monotonic()

    def attempted(self) -> None:
        """A fetch failed: keep what is known, try again after `max_age_s`."""
        self._fetched_at = time.monotonic()

    def forget(self) -> None:
        """The map proved wrong: drop it and fetch it on the next request."""
        self._owners = {}
        self._fetched_at = float("-inf")
