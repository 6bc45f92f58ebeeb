"""Write a table value and publish the events it records, at least once.

The value (a customer's commands or health) carries an `outbox` of events. The table
write comes first, so no event is published for a change a crash could lose; a crash
after it leaves the outbox in the changelog, and the next sweep publishes it. Sinks
recognize a repeated event by its `id`.

Inside `batched()` (a fold's batch), the events of every value saved are sent at once
and their acknowledgements awaited together at the end of the batch, then each
outbox is cleared: one round trip to the broker for the batch instead of one per event.
"""

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, Self, TypeVar

from faust.streams import _current_event, current_event
from faust.types import TopicT
from faust.types.tuples import RecordMetadata

from processors.runtime.faust_types import Event

Sent = Awaitable[RecordMetadata]


class OutboxEvent(Protocol):
    """An event waiting in an outbox: published as JSON, recognized by its id."""

    @property
    def id(self) -> str: ...

    def model_dump_json(self) -> str: ...


class HasOutbox(Protocol):
    """A table value with events waiting to be published."""

    @property
    def outbox(self) -> Sequence[OutboxEvent]: ...

    def model_copy(
        self, *, update: Mapping[str, object] | None = None, deep: bool = False
    ) -> Self: ...


V = TypeVar("V", bound=HasOutbox)


@dataclass
class _Publication:
    """Events of one saved value, sent; `clear` takes them out of its outbox once they
    are acknowledged.

    Without `clear`: records sent with no outbox to clear (`acknowledged`).
    """

    sent: set[str]
    futures: list[Sent]
    in_flight: set[str]
    clear: Callable[[], None] | None = None


_DEFERRED: ContextVar[list[_Publication] | None] = ContextVar("outbox_deferred", default=None)


async def save(
    table: MutableMapping[str, V], topic: TopicT, key: str, value: V, in_flight: set[str]
) -> None:
    """Write `value` under `key`, publish its outbox to `topic`, then clear what was sent.

    `in_flight` holds the ids this worker is publishing right now: another agent that
    saves the same customer meanwhile leaves those to the one already sending them.
    Inside `batched()`, the acknowledgements and the clearing wait for the batch's end.
    """
    table[key] = value
    mine = [e for e in value.outbox if e.id not in in_flight]
    if not mine:
        return
    ids = {e.id for e in mine}
    in_flight.update(ids)
    event = current_event()  # the faust event under which the value was written
    pub = _Publication(ids, [], in_flight, lambda: _clear(table, key, ids, event))
    try:
        for e in mine:
            pub.futures.append(
                await topic.send(key=key.encode(), value=e.model_dump_json().encode())
            )
    except BaseException:
        in_flight.difference_update(ids)
        raise
    deferred = _DEFERRED.get()
    if deferred is not None:
        deferred.append(pub)
        return
    await _finish([pub])


async def acknowledged(futures: list[Sent]) -> None:
    """Await these sends' acknowledgements; inside `batched()`, with the batch's, at its end."""
    pub = _Publication(set(), futures, set())
    deferred = _DEFERRED.get()
    if deferred is not None:
        deferred.append(pub)
        return
    await _finish([pub])


@asynccontextmanager
async def batched() -> AsyncIterator[None]:
    """Publish the outboxes saved inside together, when the block ends."""
    pubs: list[_Publication] = []
    token = _DEFERRED.set(pubs)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
        await _finish(pubs)


async def _finish(pubs: list[_Publication]) -> None:
    """Await every acknowledgement, then clear what was sent from each value's outbox.

    On a failure the outboxes stay in the table (and its changelog) for the sweep.
    """
    try:
        await asyncio.gather(*(f for p in pubs for f in p.futures))
    finally:
        for p in pubs:
            p.in_flight.difference_update(p.sent)
    for p in pubs:
        if p.clear is not None:
            p.clear()


def _clear(table: MutableMapping[str, V], key: str, sent: set[str], event: Event | None) -> None:
    # Re-read: another agent may have changed the value while we awaited the broker,
    # or deleted it (its customer was deleted): then nothing is left to clear. The read
    # finds the key whatever the current event (on rocksdb:// too: the hub's store looks
    # in the key's own partition, processors.runtime.rocksdb_store); only the write needs its
    # record's partition.
    current = table.get(key)
    if current is None:
        return
    left = [e for e in current.outbox if e.id not in sent]
    if len(left) == len(current.outbox):
        return
    # The clearing write goes to the changelog partition of the value's own record:
    # faust takes it from the current event, which by now may be another client's.
    token = _current_event.set(None if event is None else weakref.ref(event))
    try:
        table[key] = current.model_copy(update={"outbox": left})
    finally:
        _current_event.reset(token)
