"""A faust table whose writes and recovered records keep a DueIndex current.

Every path by which a value reaches the table feeds the index with the value's
partition as faust itself knows it: a write under the current event's partition
(`on_key_set`, `on_key_del`) and a changelog record applied in recovery or as a
standby (`apply_changelog_batch`). A rebalance forgets revoked partitions, and the
end of recovery keeps only the active ones, which the sweep ticks.
"""

from collections.abc import Iterable
from typing import Any

import faust
from faust.types import TP, EventT

from processors.due_index import DueIndex, Wake


class IndexedTable(faust.Table):  # type: ignore[type-arg]
    """A table with `due`, the index of when each key must next be swept."""

    def __init__(self, app: faust.App, *, wake: Wake, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.due = DueIndex(wake)

    def on_key_set(self, key: Any, value: Any) -> None:
        """Write to the changelog (faust), then index the value under its partition."""
        super().on_key_set(key, value)
        self.due.note(self._partition_of_write(key), key, value)

    def on_key_del(self, key: Any) -> None:
        """Write the tombstone (faust), then forget the key's due time."""
        super().on_key_del(key)
        self.due.note(self._partition_of_write(key), key, None)

    def apply_changelog_batch(self, batch: Iterable[EventT[Any]]) -> None:
        """Apply recovered records to the store (faust), then index them."""
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            value = None if event.message.value is None else event.value
            self.due.note(event.message.partition, str(event.key), value)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        """Forget the partitions this worker lost."""
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        kept = {tp.partition for tp in assigned}
        self.due.forget({tp.partition for tp in revoked} - kept)

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        """Keep only active partitions: the store itself drops a standby's keys then."""
        await super().on_recovery_completed(active_tps, standby_tps)
        self.due.keep_only({tp.partition for tp in active_tps})

    def _partition_of_write(self, key: Any) -> int:
        partition = self.partition_for_key(key)
        if partition is None:  # use_partitioner tables: not used by the hub
            raise TypeError(f"table {self.name} writes without a current event")
        return partition
