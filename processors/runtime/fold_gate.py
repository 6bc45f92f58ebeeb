"""Folds and rebalances take turns; a fold touches only partitions the worker still owns.

faust runs with `stream_wait_empty=False` (its wait for in-flight events can hang a
rebalance), so nothing kept an agent from folding, mid-rebalance, a batch fetched before
it. At the assignment faust closes the `rocksdb://` databases of the partitions a worker
lost (`Store.revoke_partitions`); folded after that, a record of a lost partition read
nothing: the fault suite saw event reports of a PBX answered 200, folded as of an
unknown PBX, dropped and acknowledged.

So a rebalance closes the gate when its revocation starts (the app's
`on_partitions_revoked` signal), waits for the folds under way to end, and opens it
again once the tables took the new assignment (`TableManager.on_rebalance`, which is
where the databases are closed and opened). A batch folded after that leaves out the
records of the partitions that rebalance took away (faust's own `revoked`, the
previous assignment less the new one): they are neither folded nor acknowledged, and
the partition's new owner reads them from the committed offset.

Within an assignment, records are folded in each partition's offset order
(`processors.runtime.in_order`, given by `install`).

A fold that does not end within the wait (a broker that stopped answering the fold's
publication) does not hold the rebalance past it: the rebalance goes on, logged, rather
than letting the group expel the worker.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Generic

from faust.types import TP, AppT

from processors.runtime.faust_types import (
    E,
    Partitions,
    TablesRebalance,
    around_tables_rebalance,
    on_partitions_revoked,
)
from processors.runtime.in_order import InOrder

log = logging.getLogger(__name__)


class FoldGate(Generic[E]):
    """Counts the folds under way; a rebalance waits until none is, and lets no new one start."""

    def __init__(self, wait_s: float) -> None:
        self._wait_s = wait_s
        self._lost: frozenset[TP] = frozenset()
        self.order: InOrder[E] | None = None
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._open = asyncio.Event()
        self._open.set()

    @asynccontextmanager
    async def fold(self) -> AsyncIterator[None]:
        """One fold: waits while a rebalance runs."""
        await self._open.wait()
        self._active += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def close(self) -> None:
        """A rebalance starts: no fold begins; those under way end (or the wait does)."""
        self._open.clear()
        try:
            await asyncio.wait_for(self._idle.wait(), self._wait_s)
        except TimeoutError:
            log.warning("a fold outlasted %.0f s into a rebalance; going on", self._wait_s)

    def open(self, lost: Iterable[TP] = ()) -> None:
        """The tables hold the new assignment, without the partitions `lost`: folds go on."""
        self._lost = frozenset(lost)
        if self.order is not None:
            self.order.reset()
        self._open.set()

    async def owned(self, events: Sequence[E], owner: object = None) -> list[E]:
        """The events to fold now: less those of partitions the last rebalance took away,
        and, with an `InOrder`, in each partition's offset order (some held back, some
        held before coming now)."""
        kept = list(events)
        if self._lost:
            kept = [event for event in kept if event.message.tp not in self._lost]
            if len(kept) < len(events):
                log.info("%d records of partitions lost left out", len(events) - len(kept))
        if self.order is not None:
            kept = await self.order.admit(kept, owner)
        return kept

    def holding(self, owner: object) -> bool:
        """Whether records the agent `owner` read wait to be handed over (`InOrder`)."""
        return self.order is not None and self.order.holding(owner)


def install(app: AppT, gate: FoldGate[E], order: InOrder[E] | None = None) -> None:
    """Close `gate` at each revocation and open it once the tables took the assignment;
    with `order`, folds take each partition's records in offset order."""
    gate.order = order

    async def close_on_revoke(revoked: Partitions) -> None:
        await gate.close()

    def guard(on_rebalance: TablesRebalance) -> TablesRebalance:
        async def guarded(
            assigned: Partitions,
            revoked: Partitions,
            newly_assigned: Partitions,
            generation: int = 0,
        ) -> None:
            await gate.close()  # the first assignment has no revocation before it
            try:
                await on_rebalance(assigned, revoked, newly_assigned, generation)
            finally:
                gate.open(revoked)

        return guarded

    on_partitions_revoked(app, close_on_revoke)
    around_tables_rebalance(app, guard)
