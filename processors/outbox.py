"""Write a table value and publish the events it records, at least once.

The value (a customer's commands or health) carries an `outbox` of events. The table
write comes first, so no event is published for a change a crash could lose; a crash
after it leaves the outbox in the changelog, and the next sweep publishes it. Sinks
recognize a repeated event by its `id`.
"""

from typing import Any, Protocol


class HasOutbox(Protocol):
    """A table value with events waiting to be published."""

    @property
    def outbox(self) -> list[Any]: ...

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any: ...


async def save(table: Any, topic: Any, key: str, value: HasOutbox, in_flight: set[str]) -> None:
    """Write `value` under `key`, publish its outbox to `topic`, then clear what was sent.

    `in_flight` holds the ids this worker is publishing right now: another agent that
    saves the same customer meanwhile leaves those to the one already sending them.
    """
    table[key] = value
    mine = [e for e in value.outbox if e.id not in in_flight]
    if not mine:
        return
    in_flight.update(e.id for e in mine)
    sent = set()
    try:
        for event in mine:
            fut = await topic.send(key=key.encode(), value=event.model_dump_json().encode())
            await fut
            sent.add(event.id)
    finally:
        in_flight.difference_update(e.id for e in mine)
    # Re-read: another agent may have changed the value while we awaited the broker.
    current: HasOutbox = table[key]
    left = [e for e in current.outbox if e.id not in sent]
    table[key] = current.model_copy(update={"outbox": left})
