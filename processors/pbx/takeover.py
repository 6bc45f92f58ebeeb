"""A partition taken over is acted on only once its PBX input is folded to where it ended.

A worker that takes a partition (a rebalance, a restart) recovers its tables from the
changelog, which lacks the last writes of a worker killed before its producer sent them;
the records that made those writes were not committed either, so this worker folds them
again, but until then its tables are older than what happened. Acting on them would be
wrong: a connection the table still shows `connecting` would log in a second time, a
session renewed in a record not yet folded would be expired. So the PBX sweep, and the
calls a fold starts, wait for each partition until the PBX topics (records and delivery
attempts) are applied up to their end offsets as read when the partition was first swept.

What this worker applied is the greater of its own marks and the group's committed
offset: a mark left from before a rebalance may be stale (the partition was folded
elsewhere meanwhile, or faust kept the position and committed later), and waiting for
a new record to move it could wait for ever: the delivery attempts topic gets records
only from the deliveries this guard holds back. Every rebalance forgets the partitions
found ready, so each is judged afresh.
"""

from collections.abc import Iterable

from processors.app import Hub
from processors.runtime.faust_types import Partitions, on_partitions_revoked
from schemas.topics import partition_for

TPKey = tuple[str, int]


class Takeover:
    """Which owned partitions have their PBX input folded since this worker took them."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._ready: set[int] = set()
        self._ends: dict[int, dict[TPKey, int]] = {}

    def ready(self, partition: int) -> bool:
        """True once `partition` was found caught up (cheap: no broker request)."""
        return partition in self._ready

    def ready_keys(self, keys: Iterable[str]) -> list[str]:
        """The `client_id/pbx_id` keys whose partition is ready."""
        parts = self.hub.settings.partitions
        return [k for k in keys if partition_for(k.split("/", 1)[0], parts) in self._ready]

    async def caught_up(self, partition: int) -> bool:
        """Whether `partition`'s PBX topics are applied to their ends as first read."""
        if partition in self._ready:
            return True
        ends = self._ends.get(partition)
        if ends is None:
            names = self.hub.names
            tps = [(names.pbx, partition), (names.pbx_deliveries, partition)]
            ends = self._ends[partition] = await self.hub.offsets.ends(tps)
        committed = await self.hub.offsets.committed_many(list(ends))
        for tp, end in ends.items():
            if max(self.hub.applied.get(tp, -1), committed[tp] - 1) < end - 1:
                return False
        self._ready.add(partition)
        self._ends.pop(partition, None)
        return True

    def forget(self) -> None:
        """A rebalance began: every partition is judged again."""
        self._ready.clear()
        self._ends.clear()


def attach(hub: Hub) -> Takeover:
    """Give the hub its takeover guard, reset at each rebalance."""
    takeover = Takeover(hub)
    hub.takeover = takeover

    async def on_revoked(tps: Partitions) -> None:
        takeover.forget()

    on_partitions_revoked(hub.app, on_revoked)

    return takeover
