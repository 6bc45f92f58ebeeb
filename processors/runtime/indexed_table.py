"""A faust table whose writes and recovered records keep a DueIndex current.

Every path by which a value reaches the table feeds the index with the value's
partition as faust itself knows it: a write under the current event's partition
(`on_key_set`, `on_key_del`) and a changelog record applied in recovery or as a
standby (`apply_changelog_batch`). A rebalance forgets revoked partitions, and the
end of recovery keeps only the active ones, which the sweep ticks.

On `rocksdb://` that is not every key: a worker restarted on its own disk replays
only the changelog written after its last persisted offset, and a standby promoted
to active holds keys applied before its index was last cleared. So at the end of
recovery each active partition not yet indexed in full is read from its own RocksDB
database (faust's per-partition store), once.
"""

import asyncio
from collections.abc import Iterable

from faust.stores.rocksdb import Store as RocksDBStore
from faust.types import TP, AppT, EventT
from mode.utils.types.trees import NodeT

from processors.runtime.due_index import DueIndex, Wake
from processors.runtime.faust_types import changelog_value
from processors.runtime.rocksdb_store import Table, V
from processors.runtime.tally import Summarize, Tally

# Keys indexed from disk between yields to the event loop: a rebuild of millions of
# keys must not starve the consumer's heartbeats to the group coordinator.
REBUILD_CHUNK = 1000


class IndexedTable(Table[str, V]):
    """A table with `due`, the index of when each key must next be swept."""

    def __init__(
        self,
        app: AppT,
        *,
        wake: Wake[V],
        summarize: Summarize[V] | None = None,
        name: str,
        key_type: type[str] = str,
        value_type: type,
        beacon: NodeT[object] | None = None,
    ) -> None:
        super().__init__(app, name=name, key_type=key_type, value_type=value_type, beacon=beacon)
        self.due = DueIndex(wake)
        # What the values hold, counted for the worker's gauges (processors.runtime.tally).
        self.tally = None if summarize is None else Tally(summarize)
        # RocksDB only: active partitions whose every stored key is in the index.
        self._indexed: set[int] = set()
        # Counts rebalances, so that a rebuild overtaken by one stops (see _index_from_disk).
        self._rebalances = 0

    def on_key_set(self, key: str, value: V) -> None:
        """Write to the changelog (faust), then index the value under its partition."""
        super().on_key_set(key, value)
        self._note(self._partition_of_write(key), key, value)

    def on_key_del(self, key: str) -> None:
        """Write the tombstone (faust), then forget the key's due time."""
        super().on_key_del(key)
        self._note(self._partition_of_write(key), key, None)

    def apply_changelog_batch(self, batch: Iterable[EventT[V]]) -> None:
        """Apply recovered records to the store (faust), then index them."""
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            value = changelog_value(event)
            self._note(event.message.partition, str(event.key), value)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        """Forget the partitions this worker lost."""
        self._rebalances += 1
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        kept = {tp.partition for tp in assigned}
        lost = {tp.partition for tp in revoked} - kept
        self.due.forget(lost)
        if self.tally is not None:
            self.tally.forget(lost)
        self._indexed -= lost

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        """Keep only active partitions; on RocksDB, index from disk those not indexed in full.

        A standby's entries are dropped here (the memory store drops its keys too); with
        memory:// every active key was replayed through `apply_changelog_batch`.
        """
        await super().on_recovery_completed(active_tps, standby_tps)
        active = {tp.partition for tp in active_tps}
        self.due.keep_only(active)
        if self.tally is not None:
            self.tally.keep_only(active)
        self._indexed &= active
        if isinstance(self.data, RocksDBStore):
            await self._index_from_disk(self.data, active - self._indexed)

    async def _index_from_disk(self, store: RocksDBStore, partitions: set[int]) -> None:
        """Note every key the store holds for `partitions`, with the table's own codecs.

        Stream partitions stay paused until every table's recovery callback returns, so
        no write races the read. A rebalance during a yield may take a partition away:
        then the rest is left to the next end of recovery, which reads it again if kept.
        """
        rebalances = self._rebalances
        for partition in sorted(partitions):
            db = store._db_for_partition(partition)
            # _visible_items skips faust's persisted-offset key.
            for n, (key, value) in enumerate(store._visible_items(db), start=1):
                self._note(partition, store._decode_key(key), store._decode_value(value))
                if n % REBUILD_CHUNK == 0:
                    await asyncio.sleep(0)
                    if self._rebalances != rebalances:
                        return
            self._indexed.add(partition)

    def _note(self, partition: int, key: str, value: V | None) -> None:
        self.due.note(partition, key, value)
        if self.tally is not None:
            self.tally.note(partition, key, value)

    def _partition_of_write(self, key: str) -> int:
        partition = self.partition_for_key(key)
        if partition is None:  # use_partitioner tables: not used by the hub
            raise TypeError(f"table {self.name} writes without a current event")
        return partition
