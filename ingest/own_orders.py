"""Orders as this ingress's own heartbeats leave them, until its replica shows the fold.

A heartbeat that settles or delivers a command changes the client's orders, but the
replica shows that only once the owning worker has folded the heartbeat and published
the client's state again. A client heartbeating again at this ingress before that must
not be given the acknowledged command again, nor have a delivery counted twice. So
each such heartbeat is kept here (its sequence number, `schemas.heartbeat_records.seq`;
its entries, time and the ids of the commands its answer carried) until the replica
has folded it, or `TTL_S` passed; and the orders an answer is built from are the
published ones with the kept heartbeats folded over them, as the worker will fold
them (`processors.relay.commands`). An operator's order the replica shows meanwhile is thus
kept too, and the heartbeat's effects with it. Another ingress may carry a command
once more within the replication delay: the fold counts every delivery exactly, by
the ids the heartbeats carried.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime

from processors.relay import commands
from schemas.commands import CustomerCommands
from schemas.relay import ProfileHeartbeatData

TTL_S = 10.0


@dataclass(frozen=True, slots=True)
class OwnBeat:
    """A heartbeat this ingress published that changes its client's orders."""

    seq: int
    items: list[ProfileHeartbeatData]
    received_at: datetime
    delivered: list[str]
    noted_at: float


@dataclass
class OwnOrders:
    """Per client: its heartbeats published here that the replica has not shown folded."""

    ttl_s: float = TTL_S
    _beats: dict[str, list[OwnBeat]] = field(default_factory=dict)

    def current(
        self, client_id: str, published: CustomerCommands | None
    ) -> CustomerCommands | None:
        """The orders to answer from: the published ones, with this ingress's own
        heartbeats not yet folded into them folded over them."""
        beats = self._beats.get(client_id)
        if beats is None:
            return published
        seen = published.heartbeat_offset if published is not None else -1
        now = time.monotonic()
        left = [b for b in beats if b.seq > seen and now - b.noted_at <= self.ttl_s]
        if not left or published is None:
            del self._beats[client_id]
            return published
        self._beats[client_id] = left
        orders = published
        for beat in left:
            orders = commands.fold_heartbeat(
                orders, client_id, beat.items, beat.delivered, beat.received_at
            )
        return orders

    def note(
        self,
        client_id: str,
        seq: int,
        items: list[ProfileHeartbeatData],
        received_at: datetime,
        delivered: list[str],
    ) -> None:
        """A heartbeat published as `seq` that changes the client's orders."""
        beat = OwnBeat(seq, items, received_at, delivered, time.monotonic())
        self._beats.setdefault(client_id, []).append(beat)
