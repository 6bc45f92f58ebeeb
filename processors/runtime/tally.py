"""What a table's values hold, counted per partition as they are written.

The worker's gauges (profiles by health, commands by state) once walked their tables
on every Prometheus scrape: the cost of a scrape grew with what the worker holds, and
on RocksDB each value was read and decoded, holding the event loop for seconds at
hundreds of thousands of customers. A tally is kept instead, fed at the same points
as the due index (`processors.runtime.indexed_table`: every write, every changelog record
applied, every key read from disk at the end of recovery) and forgotten with a
partition, so a scrape sums a few counters per partition.

Each key keeps its contribution (a tuple of labels, one per thing counted: a
customer's two profiles `up` are `("up", "up")`), so that a new value replaces what
the old one added. Equal contributions share one tuple.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")
Labels = tuple[str, ...]
Summarize = Callable[[V], Labels]

_SHARED_MAX = 10_000  # distinct contributions shared; past it each key keeps its own


class Tally(Generic[V]):
    """Counts of labels over one table's keys, per partition."""

    def __init__(self, summarize: Summarize[V]) -> None:
        self._summarize = summarize
        self._of: dict[int, dict[str, Labels]] = {}
        self._counts: dict[int, Counter[str]] = {}
        self._shared: dict[Labels, Labels] = {}

    def note(self, partition: int, key: str, value: V | None) -> None:
        """A key of `partition` now holds `value` (None: deleted)."""
        of = self._of.setdefault(partition, {})
        old = of.get(key)
        new = None if value is None else self._share(self._summarize(value))
        if old == new:
            return
        counts = self._counts.setdefault(partition, Counter())
        if old is not None:
            counts.subtract(old)
        if new is None:
            del of[key]
        else:
            of[key] = new
            counts.update(new)

    def counts(self, partitions: Iterable[int]) -> Counter[str]:
        """Each label's count over `partitions`."""
        total: Counter[str] = Counter()
        for partition in partitions:
            total.update(self._counts.get(partition, {}))
        return total

    def keys(self, partitions: Iterable[int]) -> int:
        """How many keys `partitions` hold."""
        return sum(len(self._of.get(p, ())) for p in partitions)

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop the partitions this worker no longer holds."""
        for partition in partitions:
            self._of.pop(partition, None)
            self._counts.pop(partition, None)

    def keep_only(self, partitions: set[int]) -> None:
        """Drop every partition but `partitions`."""
        self.forget([p for p in list(self._of) if p not in partitions])

    def _share(self, labels: Labels) -> Labels:
        shared = self._shared.get(labels)
        if shared is not None:
            return shared
        if len(self._shared) < _SHARED_MAX:
            self._shared[labels] = labels
        return labels
