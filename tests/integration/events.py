"""Read a customer's events from an output topic, bounded in time."""

import time
from collections.abc import Callable
from typing import TypeVar

from kafka import KafkaConsumer

from schemas.events import HEALTH_TOPIC_EVENT, HealthEvent, PbxConnectionEvent

T = TypeVar("T")


def read_events(
    bootstrap: str,
    topic: str,
    client_id: str,
    parse: Callable[[bytes], T | None],
    expected: int,
    wait_s: float = 30.0,
) -> list[T]:
    """Every event keyed by `client_id` that `parse` keeps (None: another kind of record),
    once at least `expected` arrived (or time ran out)."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=1000
    )
    found: list[T] = []
    deadline = time.monotonic() + wait_s
    try:
        while True:
            for record in consumer:
                if record.key == client_id.encode():
                    event = parse(record.value)
                    found += [] if event is None else [event]
            if len(found) >= expected or time.monotonic() > deadline:
                return found
    finally:
        consumer.close()


def read_event_lists(
    bootstrap: str,
    topic: str,
    client_id: str,
    parse: Callable[[bytes], list[T]],
    expected: int,
    wait_s: float = 30.0,
) -> list[T]:
    """Like `read_events`, for records holding several events each: every event, in order,
    once at least `expected` events arrived (or time ran out)."""
    found: list[T] = []
    deadline = time.monotonic() + wait_s
    while len(found) < expected and time.monotonic() <= deadline:
        lists = read_events(bootstrap, topic, client_id, parse, 0, 0.0)
        found = [event for events in lists for event in events]
        if len(found) < expected:
            time.sleep(0.5)
    return found


def profile_health(raw: bytes) -> HealthEvent | None:
    """A profile's `HealthEvent` of the health-events topic; None for any other record (a
    relay client's health, a PBX connection's state, a channel's test)."""
    event = HEALTH_TOPIC_EVENT.validate_json(raw)
    return event if isinstance(event, HealthEvent) else None


def connection_change(raw: bytes) -> PbxConnectionEvent | None:
    """A PBX connection's state change of the health-events topic; None for other records."""
    event = HEALTH_TOPIC_EVENT.validate_json(raw)
    return event if isinstance(event, PbxConnectionEvent) else None
