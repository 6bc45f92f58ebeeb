"""Reported states written to their table once per flush period, not once per heartbeat.

Every heartbeat moves its profiles' last-seen time, so writing the `profile-states`
table for each would send a changelog record per heartbeat. Instead a client's new
states wait here, where every reader finds them (`get`), and its partition's sweep
writes them all at once when `flush_s` have passed since that partition's last flush.

The heartbeat records they came from are acknowledged only then. faust commits a
partition's offsets only up to its first unacknowledged record, and flushes the
producer (the changelog records) before committing, so the committed offset never
passes a heartbeat the table does not hold: a worker that dies, or loses the partition
in a rebalance, leaves those heartbeats to be read again by the partition's next owner,
and no deadline comes back earlier than it was. The cost is that replay: at most
`flush_s` plus faust's commit interval of heartbeats per partition.

Writes other than a heartbeat's (a profile deleted, a customer deleted) go to the
table at once and replace what waits here.
"""

import time
from collections.abc import Callable, MutableMapping, Sequence

from processors.runtime.faust_types import Held
from schemas.profiles import CustomerStates


class StatesBuffer:
    """The `profile-states` table with heartbeats' writes held per partition until flushed."""

    def __init__(
        self,
        table: MutableMapping[str, CustomerStates],
        flush_s: float,
        generation: Callable[[], int | None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.flush_s = flush_s
        self._generation = generation
        self._clock = clock
        self._pending: dict[str, CustomerStates] = {}
        self._members: dict[int, set[str]] = {}
        self._held: dict[int, list[Held]] = {}
        self._flushed_at: dict[int, float] = {}

    def get(self, cid: str) -> CustomerStates | None:
        """The client's latest states: waiting here, else in the table."""
        states = self._pending.get(cid)
        if states is not None:
            return states
        found: CustomerStates | None = self.table.get(cid)
        return found

    def put(self, partition: int, cid: str, states: CustomerStates) -> None:
        """A heartbeat's states: kept until the partition's next flush."""
        self._pending[cid] = states
        self._members.setdefault(partition, set()).add(cid)

    def hold_events(self, events: Sequence[Held]) -> None:
        """Heartbeat events folded here: each acknowledged at its partition's next flush.

        Events fetched before a rebalance that ended while they were folded are dropped
        unacknowledged: their states were dropped with it, and they are read again.
        """
        generation = self._generation()
        for event in events:
            message = event.message
            if generation is not None and message.generation_id not in (None, generation):
                continue
            self._held.setdefault(message.tp.partition, []).append(event)

    def write(self, cid: str, states: CustomerStates) -> None:
        """Every other write: to the table now (routed by the current event's partition)."""
        self._forget(cid)
        self.table[cid] = states

    def delete(self, cid: str) -> None:
        """The client is gone: nothing of it is written later."""
        self._forget(cid)
        if cid in self.table:
            del self.table[cid]

    def due(self, partition: int) -> bool:
        """Whether the partition has waited `flush_s` since its last flush."""
        last = self._flushed_at.setdefault(partition, self._clock())
        return self._clock() - last >= self.flush_s

    def flush(self, partition: int) -> int:
        """Write the partition's waiting states, then acknowledge its held heartbeats.

        Called from a handler of the partition (a sweep tick), so that the table's
        changelog records go to that partition. Returns the number of keys written.
        """
        written = 0
        for cid in self._members.pop(partition, ()):
            states = self._pending.pop(cid, None)
            if states is not None:  # None: written or deleted since
                self.table[cid] = states
                written += 1
        for event in self._held.pop(partition, []):
            event.ack()
        self._flushed_at[partition] = self._clock()
        return written

    def revoked(self) -> None:
        """A rebalance: drop everything unwritten; the partitions' next owners read the
        unacknowledged heartbeats again (faust seeks every partition it is given back to
        its committed offset)."""
        self._pending.clear()
        self._members.clear()
        self._held.clear()
        self._flushed_at.clear()

    def _forget(self, cid: str) -> None:
        self._pending.pop(cid, None)
