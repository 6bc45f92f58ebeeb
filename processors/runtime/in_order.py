"""A fold takes each input partition's records in offset order, from the committed offset.

faust does not promise it after a rebalance. It resumes the input partitions at the end
of the tables' recovery and only then seeks them to their committed offsets, and it
drops records fetched while it changes which partitions are active; so a fetch between
the two can hand over a partition's newest record before the seek reads the older ones
again. Seen here: a worker that took a partition back folded a PBX's newest event
report, then took the older ones for replays (a PBX deduplicates its records by offset)
and dropped them, answered 200 and never delivered.

So records handed over while the tables recover are held, not folded. Once they have
recovered, the worker keeps, per input partition, the next offset a fold may take: the
group's committed offset (or the log's start, where retention moved it past) when the
partition's first record comes, then one past each record taken. A record past it is
held until the records before it come (the seek reads them again); one before it was
taken already, or committed, and is left out. While the broker cannot say the committed
offsets (it is away), records stay held: nothing is folded out of order. A partition
whose awaited record has not come for `GAP_TIMEOUT_S` while later ones wait goes on from
the first held (logged): liveness over a record faust may have dropped. Held records
are not acknowledged; a rebalance forgets them, and the partition's owner reads them
again from the committed offset.

Compacted topics, which have gaps by design and whose folds are upserts, and the
sweep's ticks are not ordered: only held while the tables recover.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Generic, Protocol

from aiokafka.errors import KafkaError
from faust.types import TP

from processors.runtime.faust_types import E

log = logging.getLogger(__name__)

TPKey = tuple[str, int]
Ready = Callable[[], bool]

GAP_TIMEOUT_S = 10.0
ASK_TIMEOUT_S = 5.0
"""How long the broker is given to say a partition's committed offset and log start."""
ASK_AGAIN_S = 1.0


class Positions(Protocol):
    """Offsets asked of the broker (`processors.runtime.offsets.Offsets`)."""

    async def committed_many(self, tps: list[TPKey]) -> dict[TPKey, int]: ...

    async def starts(self, tps: list[TPKey]) -> dict[TPKey, int]: ...


class InOrder(Generic[E]):
    """The next offset of each ordered input partition, and the records held back."""

    def __init__(
        self,
        positions: Positions,
        unordered: frozenset[str],
        ready: Ready,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._positions = positions
        self._unordered = unordered
        self._ready = ready  # the tables recovered (faust)
        self._clock = clock
        self._next: dict[TP, int] = {}
        self._held: dict[TP, dict[int, E]] = {}
        self._pending: set[TP] = set()  # the partitions with records held
        self._waiting: dict[str, list[E]] = {}  # by topic: unordered, held in recovery
        self._stuck_since: dict[TP, float] = {}
        self._topics: dict[object, set[str]] = {}  # the topics each agent reads
        self._retry_at = 0.0  # no broker question before this (after one failed)

    def reset(self) -> None:
        """A rebalance: what was held is read again from the committed offsets."""
        self._next.clear()
        self._held.clear()
        self._pending.clear()
        self._waiting.clear()
        self._stuck_since.clear()

    async def admit(self, events: Sequence[E], owner: object = None) -> list[E]:
        """The events to fold now, each partition's in offset order. `owner` is the
        agent's stream: records held are handed over to the agent that read them."""
        topics = self._topics.setdefault(owner, set())
        for event in events:
            tp = event.message.tp
            topics.add(tp.topic)
            if tp.topic in self._unordered:
                self._waiting.setdefault(tp.topic, []).append(event)
            else:
                self._held.setdefault(tp, {}).setdefault(event.message.offset, event)
                self._pending.add(tp)
        if not self._ready():
            return []
        kept = [e for topic in topics for e in self._waiting.pop(topic, [])]
        tps = [tp for tp in self._pending if tp.topic in topics]
        await self._learn(tps)
        for tp in tps:
            if tp in self._next:  # else the broker could not say it yet: held
                kept.extend(self._release(tp))
        return kept

    def holding(self, owner: object) -> bool:
        """Whether records the agent `owner` read wait to be handed over."""
        topics = self._topics.get(owner, ())
        return any(self._waiting.get(t) for t in topics) or any(
            tp.topic in topics for tp in self._pending
        )

    async def _learn(self, tps: list[TP]) -> None:
        """The next offset of each partition not known yet. While the broker does not
        answer, they stay unknown and their records held; asked again a second later."""
        unknown = [(tp.topic, tp.partition) for tp in tps if tp not in self._next]
        if not unknown or self._clock() < self._retry_at:
            return
        try:
            async with asyncio.timeout(ASK_TIMEOUT_S):
                committed = await self._positions.committed_many(unknown)
                starts = await self._positions.starts(unknown)
        except (KafkaError, OSError, TimeoutError) as e:
            self._retry_at = self._clock() + ASK_AGAIN_S
            log.warning("committed offsets not known (%r); records held until they are", e)
            return
        for tp in tps:
            key = (tp.topic, tp.partition)
            if key in committed:
                self._next[tp] = max(committed[key], starts[key])

    def _release(self, tp: TP) -> list[E]:
        """The held records of `tp` that now come next, in order."""
        held, expected = self._held[tp], self._next[tp]
        for offset in [o for o in held if o < expected]:
            del held[offset]  # taken already, or committed
        out = []
        while expected in held:
            out.append(held.pop(expected))
            expected += 1
        if out or not held:
            self._stuck_since.pop(tp, None)
        elif self._given_up(tp, expected, min(held)):
            expected = min(held)
            while expected in held:
                out.append(held.pop(expected))
                expected += 1
        self._next[tp] = expected
        if not held:
            self._pending.discard(tp)
        return out

    def _given_up(self, tp: TP, expected: int, first_held: int) -> bool:
        now = self._clock()
        if tp not in self._stuck_since:
            log.info(
                "%s: offset %d awaited, %d held from %d",
                tp,
                expected,
                len(self._held[tp]),
                first_held,
            )
        since = self._stuck_since.setdefault(tp, now)
        if now - since < GAP_TIMEOUT_S:
            return False
        log.warning(
            "%s: records %d to %d never came in %.0f s; going on from %d",
            tp, expected, first_held - 1, GAP_TIMEOUT_S, first_held,
        )  # fmt: skip
        self._stuck_since.pop(tp, None)
        return True
