"""Orders as this ingress's own heartbeats left them, until its replica shows the fold.

A heartbeat that settles or delivers a command changes the client's orders, but the
replica shows that only once the owning worker has folded the heartbeat and published
the client's state again. A client heartbeating again at this ingress before that must
not be given the acknowledged command again, nor have a delivery counted twice. So the
orders each heartbeat leaves (`processors.answer.Answer.orders_after`) are kept here
with the heartbeat's sequence number (`schemas.heartbeat_records.seq`) and used instead
of the replica's until the replica has folded that heartbeat; or until the replica
shows a newer order (an operator's, which the kept orders lack), or `TTL_S` passed.
Another ingress may carry a command once more within the replication delay: the fold
counts every delivery exactly, by the ids the heartbeats carried.
"""

import time
from dataclasses import dataclass, field

from schemas.commands import CustomerCommands

TTL_S = 10.0


@dataclass
class OwnOrders:
    """Per client: (heartbeat seq, orders it left, when), while newer than the replica's."""

    ttl_s: float = TTL_S
    _after: dict[str, tuple[int, CustomerCommands, float]] = field(default_factory=dict)

    def current(
        self, client_id: str, published: CustomerCommands | None
    ) -> CustomerCommands | None:
        """The orders to answer from: this ingress's own, if newer, else the published ones."""
        mine = self._after.get(client_id)
        if mine is None:
            return published
        seq, orders, at = mine
        seen_beat = published.heartbeat_offset if published else -1
        seen_order = published.order_offset if published else -1
        stale = time.monotonic() - at > self.ttl_s
        if seen_beat >= seq or seen_order > orders.order_offset or stale:
            del self._after[client_id]
            return published
        return orders

    def note(self, client_id: str, seq: int, orders: CustomerCommands) -> None:
        """The orders the heartbeat published as `seq` left."""
        self._after[client_id] = (seq, orders, time.monotonic())
