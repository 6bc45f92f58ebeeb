"""When each key of a table must next be looked at: a heap of due times per partition.

The sweep asks the index for what is due and touches nothing else, so a tick costs
what is due, not what is held. The index is not a second source of truth: it is
derived from the table's values by a `wake` function (the earliest time a value may
need the sweep, in the past for "now", None for "never by itself"), fed by every
write and every changelog record applied in recovery, and forgotten with a
partition. Heap entries are invalidated lazily: a key's current due time lives in a
dict, and a popped entry that no longer matches it is dropped.
"""

import heapq
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

V = TypeVar("V")
Wake = Callable[[V], datetime | None]

# Rebuild a partition's heap when stale entries outnumber live ones by this factor.
_COMPACT_FACTOR = 4
_COMPACT_MIN = 1024


class DueIndex(Generic[V]):
    """Due times of one table's keys, by partition."""

    def __init__(self, wake: Wake[V]) -> None:
        self._wake = wake
        self._heaps: dict[int, list[tuple[float, str]]] = {}
        self._due: dict[int, dict[str, float]] = {}

    def note(self, partition: int, key: str, value: V | None) -> None:
        """A key of `partition` now holds `value` (None: deleted)."""
        when = None if value is None else self._wake(value)
        self.schedule(partition, key, None if when is None else when.timestamp())

    def schedule(self, partition: int, key: str, at: float | None) -> None:
        """Look at `key` at `at` (epoch seconds), or never when None."""
        due = self._due.setdefault(partition, {})
        if at is None:
            due.pop(key, None)
            return
        if due.get(key) == at:
            return
        due[key] = at
        heap = self._heaps.setdefault(partition, [])
        heapq.heappush(heap, (at, key))
        if len(heap) > _COMPACT_MIN and len(heap) > _COMPACT_FACTOR * len(due):
            self._compact(partition)

    def pop_due(self, partition: int, now: datetime) -> list[str]:
        """The keys of `partition` due at `now`, each once, taken out of the index."""
        heap = self._heaps.get(partition)
        if not heap:
            return []
        due = self._due[partition]
        limit = now.timestamp()
        keys: list[str] = []
        while heap and heap[0][0] <= limit:
            at, key = heapq.heappop(heap)
            if due.get(key) == at:
                del due[key]
                keys.append(key)
        return keys

    def settle(
        self, partition: int, key: str, value: V | None, now: datetime, retry_s: float
    ) -> None:
        """After the sweep looked at `key`: its next time, no sooner than `retry_s` from now.

        A value still due after the sweep (an attempt in flight, a call under way) is
        looked at again after `retry_s`, not on every tick in a loop.
        """
        when = None if value is None else self._wake(value)
        if when is None:
            self.schedule(partition, key, None)
            return
        self.schedule(partition, key, max(when.timestamp(), now.timestamp() + retry_s))

    def forget(self, partitions: set[int]) -> None:
        """Drop everything of partitions this worker no longer owns."""
        for partition in partitions:
            self._heaps.pop(partition, None)
            self._due.pop(partition, None)

    def keep_only(self, partitions: set[int]) -> None:
        """Drop every partition but these."""
        self.forget(set(self._due) - partitions)

    def size(self, partition: int) -> int:
        """How many keys of `partition` have a due time."""
        return len(self._due.get(partition, ()))

    def _compact(self, partition: int) -> None:
        heap = [(at, key) for key, at in self._due[partition].items()]
        heapq.heapify(heap)
        self._heaps[partition] = heap
