"""The live-tokens topic held in memory: what a PBX API heartbeat's answer needs.

The workers publish each token's `LiveToken` (`processors.pbx.live_tokens`), keyed by the
token's SHA-256; this replica (`ingest.replica`: every partition, read from the start,
then followed) holds them decoded, a few hundred bytes a session. A token is looked up
by its hash: the token itself is never kept.

How fresh it is: the replica shows a worker's fold a few milliseconds after it (the
fold's batch, then one poll). Read-your-writes at one ingress: a login and a logout
answer once this replica shows the token added or removed (`shown`), an admin write
that ends sessions (a user or PBX removed, a customer deleted) once it has read the
customer's partition to the end after the fold (`caught_up`); a heartbeat
answered here raises the token's expiry here at once (`renewed`), until the replica
shows the worker's fold of it. Another ingress sees a renewal once the worker folded
it; until then it judges the token by the expiry before that heartbeat, which matters
only for a heartbeat within those milliseconds of the 30 minutes' end.
"""

from datetime import datetime

from ingest.replica import Replica
from schemas.live_token import LiveToken
from schemas.secret_hash import secret_hash
from schemas.topics import partition_for

MAX_OWN_RENEWALS = 10_000


class LiveTokens:
    """Each live token's session, from the compacted live-tokens topic."""

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        self.replica: Replica[LiveToken] = Replica(bootstrap, topic, LiveToken.model_validate_json)
        self.partitions = partitions
        self._renewed: dict[str, datetime] = {}

    @property
    def ready(self) -> bool:
        """Whether the replica has read the topic up to where it ended at the start."""
        return self.replica.ready.is_set()

    def get(self, token: str) -> LiveToken | None:
        """The token's session, with this ingress's own renewals; None for an unknown token."""
        key = secret_hash(token)
        found = self.replica.get(key)
        own = self._renewed.get(key)
        if own is None:
            return found
        if found is None or found.timed_out or own <= found.expires_at:
            del self._renewed[key]  # ended, or the replica shows the renewal
            return found
        return found.model_copy(update={"expires_at": own})

    def renewed(self, token: str, expires_at: datetime, now: datetime) -> None:
        """A heartbeat answered here made the token live until `expires_at`."""
        if len(self._renewed) >= MAX_OWN_RENEWALS:
            self._renewed = {k: e for k, e in self._renewed.items() if e > now}
        self._renewed[secret_hash(token)] = expires_at

    async def shown(self, token: str, *, present: bool, timeout_s: float) -> bool:
        """Wait until the replica holds the token (`present`), or no longer does; False
        on timeout."""
        key = secret_hash(token)
        return await self.replica.wait_until(
            lambda: (self.replica.get(key) is not None) == present, timeout_s
        )

    async def caught_up(self, client_id: str, timeout_s: float) -> bool:
        """Wait until this replica holds every token record now published for the customer's
        partition (called once the owning worker folded a write that ends sessions)."""
        return await self.replica.catch_up(partition_for(client_id, self.partitions), timeout_s)
